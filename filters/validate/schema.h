/*
 * schema -- the rules validate applies, read from a small text file that a
 * person writes by hand (docs/schema.md).  One rule per line, in sections:
 * [device] holds the per-device time rules, [channel NAME] the rules of one
 * channel, [channels GLOB] those of every channel whose name matches.
 *
 * Parsing is all this module does: it knows nothing of frames or state, so
 * that a schema error is found before the first frame is read, and reported
 * with the file, the line and the word that is wrong.
 */
#ifndef VALIDATE_SCHEMA_H
#define VALIDATE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "nameidx.h"

/* What a rule does with a frame that breaks it. */
enum act {
	ACT_NONE,		/* rule not set */
	ACT_KEEP,		/* pass on unmarked (nan, inf, unknown) */
	ACT_REJECT,		/* to the dead-letter stream */
	ACT_DROP,		/* frame dropped and counted; unknown: channel */
	ACT_CLAMP,		/* value moved to the limit it broke */
	ACT_FILL,		/* value filled; gap: frames added */
	ACT_FLAG,		/* pass on, marked in meta "flags" */
	ACT_EVENT		/* gap: an event frame before the sample */
};

struct action {
	uint8_t		 act;		/* enum act */
	uint8_t		 linear;	/* fill linear N */
	uint32_t	 n;		/* fill linear: frames of lookahead;
					   gap fill: most frames added */
};

/* Per-device rules; also the rule numbering used by the counters. */
enum rule {
	RULE_ORDER, RULE_DUPLICATE, RULE_GAP, RULE_RATE,	/* device */
	RULE_UNKNOWN, RULE_REQUIRED, RULE_TYPE, RULE_NAN, RULE_INF,
	RULE_RANGE, RULE_STEP, RULE_SLOPE, RULE_STUCK, RULE_FLAT,
	RULE_DECODE,		/* undecodable frame (not in a schema) */
	RULE_COUNT
};

enum ctype { TYPE_NUMBER, TYPE_INT, TYPE_STRING };

struct chanrule {
	char		*name;		/* exact name or glob; owned */
	uint8_t		 glob;		/* [channels GLOB] */
	int		 line;		/* line of the section header */
	uint8_t		 required;
	uint8_t		 type;		/* enum ctype */
	double		 lo, hi;	/* range; -inf/+inf when open */
	double		 step;		/* |change| per reading */
	double		 slope;		/* |change| per second */
	uint32_t	 stuck;		/* same value this many times */
	uint32_t	 flatn;		/* variance over flatn readings */
	double		 flatvar;	/* ... under this floor */
	struct action	 on[RULE_COUNT];	/* channel rules only */
	uint8_t		 simple;	/* no rule but range, nan, inf:
					   a finite value in range passes */
};

struct schema {
	char		*path;		/* owned copy, for messages */
	struct action	 on[RULE_COUNT];	/* device rules + unknown */
	int64_t		 gap_ns;	/* gap: longer than this */
	int64_t		 rate_ns;	/* rate: expected interval */
	int64_t		 tol_ns;	/* ... plus or minus this */
	struct chanrule	*chan;		/* owned, in file order */
	size_t		 nchan, cap;
	struct nameidx	 exact;		/* [channel] names -> chan[] */
	struct nameidx	 globs;		/* [channels] patterns -> chan[] */
	uint32_t	*glob;		/* owned: the [channels] sections, in
					   file order */
	size_t		 nglob;
	uint32_t	 nrequired;	/* exact sections with required */
	uint32_t	 maxlook;	/* largest fill linear N */
};

/*
 * Read the schema file at path.  Caller owns the result: free it with
 * schema_free().  NULL on error, with a message "path:line: why" in
 * err[0..errsize) (errno set to ENOENT etc. when the file cannot be read,
 * EINVAL for a mistake in it).
 */
struct schema	*schema_load(const char *path, char *err, size_t errsize);
/* The same from text in memory (name is used in messages). */
struct schema	*schema_parse(const char *text, size_t len, const char *name,
		    char *err, size_t errsize);
void		 schema_free(struct schema **);	/* NULL-safe, nulls *sp */

/*
 * The section that applies to channel name[0..len): an exact [channel]
 * first, else the first [channels GLOB] in file order that matches; NULL
 * if none (an unknown channel).  Borrowed from the schema.
 */
const struct chanrule *schema_match(const struct schema *, const char *name,
		    size_t len);

/*
 * "5m", "1.5h", "250ms", "20480Hz" (an interval of 1/20480 s), or a bare
 * number of seconds, into nanoseconds.  0, or -1 if malformed or out of
 * range.
 */
int		 schema_duration(const char *s, int64_t *ns);

const char	*rule_name(enum rule);		/* "order", "range", ... */
const char	*act_name(enum act);		/* "reject", "clamp", ... */
const char	*ctype_name(enum ctype);

#endif
