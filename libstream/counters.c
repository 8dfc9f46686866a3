/*
 * counters -- named counts and the one-line summary every filter prints.
 */
#include <stdio.h>
#include <string.h>

#include "counters.h"

int
counters_add(struct counters *c, const char *name)
{
	unsigned i;

	for (i = 0; i < c->count; i++)
		if (strcmp(c->name[i], name) == 0)
			return (int)i;
	if (c->count == COUNTERS_MAX)
		return -1;
	c->name[c->count] = name;
	c->n[c->count] = 0;
	return (int)c->count++;
}

size_t
counters_format(const struct counters *c, const char *prog, char *buf,
    size_t size)
{
	size_t len = 0;
	unsigned i;
	int n;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	n = snprintf(buf, size, "%s:", prog);
	if (n < 0)
		return 0;
	len = (size_t)n < size ? (size_t)n : size - 1;
	for (i = 0; i < c->count && len < size - 1; i++) {
		n = snprintf(buf + len, size - len, " %s=%llu", c->name[i],
		    (unsigned long long)c->n[i]);
		if (n < 0)
			break;
		len += (size_t)n < size - len ? (size_t)n : size - len - 1;
	}
	return len;
}
