/*
 * buf -- a growable byte buffer, the one allocation pattern of libstream.
 * Buffers grow by doubling and are reused: buf_reset() keeps the memory,
 * so a loop that fills and empties one buffer allocates only while it grows.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
	char	*p;
	size_t	 len, cap;
};

#define BUF_INIT	{ NULL, 0, 0 }

/* Make room for n more bytes: 0, or -1 on ENOMEM (buffer unchanged). */
int	 buf_reserve(struct buf *, size_t n);
int	 buf_append(struct buf *, const void *, size_t);
void	 buf_reset(struct buf *);		/* len = 0, keep memory */
void	 buf_free(struct buf *);		/* release memory, NULL-safe */
/* Drop the first n bytes, moving the rest to the front. */
void	 buf_consume(struct buf *, size_t n);

static inline int
buf_putc(struct buf *b, char c)
{
	if (b->len == b->cap && buf_reserve(b, 1) == -1)
		return -1;
	b->p[b->len++] = c;
	return 0;
}

#endif
