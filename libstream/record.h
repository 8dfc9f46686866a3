/*
 * record -- one frame in memory: [[time, meta], body] (docs/protocol.md).
 *
 * A record is a flat, reusable structure: time, an ordered list of meta
 * fields and an ordered list of body fields.  Well-known meta keys (kind,
 * dev, seq, src, line, v) are also parsed into members so filters need not
 * search for them.  Nested values (maps, arrays, ext) are kept as their raw
 * msgpack bytes (VAL_RAW): a filter that does not look inside them passes
 * them on untouched.
 *
 * Ownership: strings and raw values are pointers.  A record read by
 * stream_read() points into the stream's input buffer and is valid until the
 * next stream_read() on that stream.  record_set_*() borrow the key and the
 * string they are given until the record is cleared or freed; the *_copy()
 * variants copy into the record's own arena.  record_copy() makes a record
 * that owns everything it points to.
 *
 * The struct is public so that hot loops read fields without a call; change
 * it only through the functions below, which keep the parsed meta in step.
 */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION	1	/* docs/protocol.md "Versions" */

enum val_type {
	VAL_NIL, VAL_BOOL, VAL_INT, VAL_UINT, VAL_F64, VAL_F32,
	VAL_STR, VAL_BIN, VAL_RAW, VAL_TIME
};

struct value {
	uint8_t		 type;		/* enum val_type */
	uint32_t	 len;		/* STR, BIN, RAW: bytes at p; TIME: nsec;
					   F32 read from a frame: its bits
					   (f32_bits()) */
	union {
		int64_t		 i;	/* INT, BOOL (0/1), TIME (seconds) */
		uint64_t	 u;	/* UINT: only values > INT64_MAX */
		double		 f;	/* F64, F32 (widened) */
		const char	*p;	/* STR, BIN, RAW (msgpack bytes) */
	};
};

struct field {
	const char	*key;		/* not NUL-terminated: use klen */
	uint32_t	 klen;
	struct value	 v;
};

enum time_type { TIME_EVENT, TIME_INT, TIME_FLOAT };

enum kind {
	KIND_SAMPLE, KIND_FEATURES, KIND_PREDICTION, KIND_EVENT, KIND_REJECT,
	KIND_EOS, KIND_OTHER
};

/* Owned bytes: a list of blocks that never move, so pointers handed out
 * stay valid until record_clear(), which keeps the blocks for reuse. */
struct arena_block;
struct arena {
	struct arena_block	*head, *cur;
};

struct record {
	/* time: sec + nsec; ttype says how it was (or will be) encoded */
	int64_t		 sec;
	uint32_t	 nsec;
	uint8_t		 ttype;		/* enum time_type */
	double		 tf;		/* TIME_FLOAT: the float as sent */
	uint8_t		 legacy;	/* read as [time, body] (no meta) */

	/* parsed from meta (kept in step by the setters) */
	uint8_t		 kind;		/* enum kind; KIND_SAMPLE if absent */
	const char	*kind_str;	/* the kind string as sent */
	uint32_t	 kind_len;
	const char	*dev;		/* device id, NULL if absent */
	uint32_t	 dev_len;
	uint64_t	 seq;		/* valid if has_seq */
	uint8_t		 has_seq;
	int64_t		 version;	/* "v", PROTO_VERSION if absent */

	struct field	*meta;		/* in wire order */
	uint32_t	 nmeta, meta_cap;
	struct field	*body;		/* in wire order */
	uint32_t	 nbody, body_cap;

	struct arena	 arena;		/* owned strings (copies) */
};

/* Caller owns: free with record_free().  NULL on ENOMEM. */
struct record	*record_new(void);
void		 record_free(struct record **);	/* NULL-safe, nulls *rp */
/* Empty the record, keep its memory for reuse. */
void		 record_clear(struct record *);
/* Deep copy of src into dst (dst owns every byte). 0, -1 on ENOMEM. */
int		 record_copy(struct record *dst, const struct record *src);

/* Time */
void	 record_set_time(struct record *, int64_t sec, uint32_t nsec);
double	 record_time_f64(const struct record *);	/* seconds */

/* Meta.  Keys are borrowed.  Setting kind/dev/seq/src/line updates both the
 * meta list (in place if present, appended otherwise) and the members. */
int	 record_set_kind(struct record *, enum kind);
int	 record_set_dev(struct record *, const char *dev, size_t len);
int	 record_set_dev_copy(struct record *, const char *dev, size_t len);
int	 record_set_seq(struct record *, uint64_t seq);
int	 record_meta_set(struct record *, const char *key, const struct value *);
const struct value *record_meta_get(const struct record *, const char *key);
int	 record_meta_del(struct record *, const char *key);

/* Body.  Append does not check for duplicate keys (the writer's job). */
int	 record_add(struct record *, const char *key, size_t klen,
	     const struct value *);
int	 record_add_f64(struct record *, const char *key, double);
int	 record_add_i64(struct record *, const char *key, int64_t);
int	 record_add_str(struct record *, const char *key, const char *s,
	     size_t len);		/* borrows s */
/* Set (replace or append). */
int	 record_set(struct record *, const char *key, const struct value *);
int	 record_set_f64(struct record *, const char *key, double);
/* Remove body field i, keeping order. */
void	 record_del_at(struct record *, uint32_t i);

/*
 * Find body field by key: its index, or -1.  *hint (may be NULL) is tried
 * first and updated: streams repeat their layout, so a filter that keeps one
 * hint per key finds it in O(1).
 */
int	 record_find(const struct record *, const char *key, size_t klen,
	     uint32_t *hint);
/* Body value as a double (INT, UINT, F64, F32, BOOL); 0, or -1 if absent
 * or not a number. */
int	 record_get_f64(const struct record *, const char *key, double *);
/* A value as a double; 0 or -1 if not numeric. */
int	 value_f64(const struct value *, double *);

/* Copy a string into the record's arena; NULL on ENOMEM.  Valid until
 * record_clear/free. */
const char *record_strdup(struct record *, const char *s, size_t len);

/* "sample" etc.; kind_from_str returns KIND_OTHER for unknown strings. */
const char	*kind_name(enum kind);
enum kind	 kind_from_str(const char *s, size_t len);

/* Value constructors (borrow strings). */
struct value	 val_f64(double);
struct value	 val_i64(int64_t);
struct value	 val_u64(uint64_t);
struct value	 val_str(const char *s, size_t len);
struct value	 val_bool(int);
struct value	 val_nil(void);
struct value	 val_time(int64_t sec, uint32_t nsec);	/* EventTime */

#endif
