/*
 * record_int -- record internals shared by record.c and codec.c.
 */
#ifndef RECORD_INT_H
#define RECORD_INT_H

#include <string.h>

#include "record.h"

int	 fields_grow(struct field **, uint32_t *cap, uint32_t need);
void	 meta_reparse(struct record *);
void	 record_clear_arena_keep(struct record *);

/* Note a well-known meta field in r's members (inline: every decoded
 * meta field passes here). */
static inline void
meta_note(struct record *r, const struct field *f)
{
	switch (f->klen) {
	case 1:
		if (f->key[0] == 'v' && f->v.type == VAL_INT)
			r->version = f->v.i;
		break;
	case 3:
		if (memcmp(f->key, "dev", 3) == 0 && f->v.type == VAL_STR) {
			r->dev = f->v.p;
			r->dev_len = f->v.len;
		} else if (memcmp(f->key, "seq", 3) == 0) {
			if (f->v.type == VAL_INT && f->v.i >= 0) {
				r->seq = (uint64_t)f->v.i;
				r->has_seq = 1;
			} else if (f->v.type == VAL_UINT) {
				r->seq = f->v.u;
				r->has_seq = 1;
			}
		}
		break;
	case 4:
		if (memcmp(f->key, "kind", 4) == 0 && f->v.type == VAL_STR) {
			r->kind_str = f->v.p;
			r->kind_len = f->v.len;
			/* most frames are samples: no call for them */
			r->kind = f->v.len == 6 &&
			    memcmp(f->v.p, "sample", 6) == 0 ? KIND_SAMPLE :
			    kind_from_str(f->v.p, f->v.len);
		}
		break;
	}
}

#endif
