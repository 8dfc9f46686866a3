/*
 * ingest -- state shared by ingest's parts: the options (main.c), the CSV
 * reader loop (file.c), the frame feed (feed.c) and time parsing (when.c).
 *
 * One struct ingest lives for the whole run.  Everything a row needs is in
 * it, allocated before the first row: the input buffer, the output buffer,
 * the template, the per-file column table and the device table.
 */
#ifndef INGEST_H
#define INGEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "filter.h"
#include "csv.h"
#include "nameidx.h"
#include "devtab.h"
#include "record.h"
#include "stream.h"
#include "sample.h"

#define PROG		"ingest"
#define EX_STRICT	65	/* --strict: a row was rejected */
#define OUT_CHUNK	(256u * 1024)	/* frames handed on at once */
#define META_MAX	64	/* --meta columns */
#define RATE_MAX	1000000000	/* --rate, Hz: rows 1 ns apart */

enum tsrc { T_AUTO, T_COLUMN, T_RATE, T_CLOCK };
enum role { R_VAL, R_TIME, R_DEV, R_SKIP, R_META };
enum empty { E_REJECT, E_NAN };
enum tformat { TF_AUTO, TF_ISO, TF_EPOCH };

struct names {
	char		**v;		/* owned copies */
	size_t		 *len;
	size_t		  n;
};

/* What a reject says; NULL/0 members are left out. */
struct rej {
	uint64_t	 line;
	const char	*rule, *field;
	const char	*value;		/* the offending text */
	size_t		 vlen;
	const char	*text;		/* the whole line */
	size_t		 tlen;
	int		 truncated;	/* text is only the start of the line */
	uint64_t	 limit;
	int64_t		 sec;
	uint32_t	 nsec;
	const char	*dev;
	size_t		 devlen;
};

struct ingest {
	/* options */
	const char	*in_uri;	/* -i: frames, not CSV */
	int		 delim;		/* -1: detect per file */
	int		 sniffed;	/* delim was detected, again per file */
	int		 header;	/* the file starts with a header line */
	struct names	 columns;	/* --columns */
	struct names	 skip, meta;	/* --skip, --meta */
	struct names	 rename;	/* --rename PATTERN=NAME, in order */
	const char	*time_col, *dev_col, *device;
	enum tsrc	 tsrc;
	int		 from_name;	/* --time-from-name */
	uint64_t	 rate_num, rate_den;	/* rate = num / den Hz */
	int64_t		 start_sec;	/* --start */
	uint32_t	 start_nsec;
	int		 unit;		/* --time-unit: 0 s, 3 ms, 6 us, 9 ns */
	enum tformat	 tformat;	/* --time-format */
	void		*tz;		/* --tz, from when_tz() */
	double		 speed;		/* 0: as fast as possible */
	int		 strict, quiet, progress;
	enum empty	 empty;
	size_t		 max_line;
	size_t		 max_devices;

	/* output */
	struct filter	*flt;		/* streams, counters, accounting */
	struct stream	*out, *rej;	/* f's; rej NULL when inline */
	char		*ob;		/* frames not yet handed on */
	size_t		 olen, ocap;
	uint64_t	 onframes;	/* frames in ob */
	struct record	*rr;		/* reject being built */
	struct buf	 rbuf;		/* its encoding */
	uint64_t	*n_in, *n_out, *n_rej, *n_blank;	/* in f */
	uint64_t	 no_blank;	/* n_blank with -i */
	int		 status;	/* exit status */
	int		 stop;		/* end reading: signal or --strict */

	/* the file being read */
	struct csv	 csv;
	const char	*src;
	uint32_t	 ncol;		/* fields a row must have */
	uint8_t		*role;		/* per field */
	uint32_t	*vfield;	/* value column i -> field */
	uint32_t	*mfield;	/* meta column i -> field */
	char		**cname;	/* per field: its name (owned) */
	size_t		*clen;
	struct nameidx	 cidx;		/* cname -> field */
	uint32_t	 nval, nmeta;
	long		 tfield, dfield;	/* -1: none */
	int		 probe;		/* next row: look for text columns */
	struct csv_field *f;		/* ncol + 1 */
	char		*scratch;	/* unquoted text, max_line bytes */
	struct sample_enc enc;
	struct devtab	 devs;
	struct sample_dev *dev;		/* --device or the default */

	/* time */
	uint64_t	 idx;		/* rows for --rate */
	int64_t		 base_sec;	/* time of row 0 for --rate */
	uint32_t	 base_nsec;
	int64_t		 last_sec;	/* last sample's time */
	uint32_t	 last_nsec;
	int		 paced;		/* --speed: origin set */
	int64_t		 pace_sec;
	uint32_t	 pace_nsec;
	struct timespec	 pace_wall;

	/* progress */
	uint64_t	 total_bytes, done_bytes;
	struct timespec	 t0, tlast;
	int		 shown;
};

/* file.c */
/* Read one CSV file (name "-": stdin).  Fatal problems exit. */
void	 ingest_file(struct ingest *, const char *name);
/* Hand the buffered sample frames to the output stream. */
void	 ingest_drain(struct ingest *);
/* Write a reject for a line of the current file; the reason is fmt. */
void	 ingest_reject(struct ingest *, const struct rej *, const char *fmt,
	     ...) __attribute__((format(printf, 3, 4)));
/* Print the counters line (unless -q) and, on a terminal, clear progress. */
void	 ingest_report(struct ingest *);
void	 ingest_progress(struct ingest *, int force);

/* feed.c: frames from in_uri, checked and passed on. */
void	 ingest_feed(struct ingest *);

/* when.c */
/* Parse a time column value: ISO 8601 or epoch number in unit.  0 / -1. */
int	 when_parse(const struct ingest *, const char *s, size_t n,
	     int64_t *sec, uint32_t *nsec);
/*
 * The common epoch form digits[.digits] (at most 18 integer digits) in
 * 10^-unit seconds, exactly as time_parse_epoch(); -1 for anything else.
 */
int	 when_epoch_fast(const char *s, size_t n, int unit, int64_t *sec,
	     uint32_t *nsec);
/* Time from a file name such as 2004.02.12.10.32.39: 0 / -1. */
int	 when_name(const struct ingest *, const char *path, int64_t *sec,
	     uint32_t *nsec);
/* base + idx / rate, exactly (floor to the nanosecond); -1 on overflow. */
int	 when_step(int64_t bsec, uint32_t bnsec, uint64_t idx, uint64_t num,
	     uint64_t den, int64_t *sec, uint32_t *nsec);
/* Open --tz ZONE: NULL on failure. */
void	*when_tz(const char *zone);
void	 when_tz_free(void *);

#endif
