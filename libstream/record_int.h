/*
 * record_int -- record internals shared by record.c and codec.c.
 */
#ifndef RECORD_INT_H
#define RECORD_INT_H

#include "record.h"

int	 fields_grow(struct field **, uint32_t *cap, uint32_t need);
void	 meta_reparse(struct record *);
void	 meta_note(struct record *, const struct field *);
void	 record_clear_arena_keep(struct record *);

#endif
