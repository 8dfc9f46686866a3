/*
 * profile -- a reference profile file: one msgpack map laid out as the
 * bundle's "profile" section (docs/bundle.md): {"features": {NAME: PROF},
 * "score": PROF or nil}.  drift --fit-reference writes one; drift -r reads
 * it, as -m reads the profile inside a bundle.
 */
#ifndef PROFILE_H
#define PROFILE_H

#include <stdint.h>

#include "bundle.h"

struct profile {
	uint32_t		 n;
	char			**name;		/* n */
	struct bundle_prof	*prof;		/* n */
	struct bundle_prof	*score;		/* NULL if absent */
};

/* Write p to path atomically (temporary file, fsync, rename).  0, or -1
 * with "path: reason" in err. */
int	 profile_write(const char *path, const struct profile *p, char *err,
	     size_t errlen);
/* Read path into p (caller owns: profile_free()).  0, or -1 with err. */
int	 profile_read(const char *path, struct profile *p, char *err,
	     size_t errlen);
void	 profile_free(struct profile *p);

#endif
