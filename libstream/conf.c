/*
 * conf -- options from a file (conf.h).  Each line is split into a name
 * and a value and looked up in the program's getopt_long() table, so a
 * file takes exactly the long options the command line takes.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

/* Every value handed out, kept reachable for the program's life. */
static char	**kept;
static size_t	  nkept, capkept;

static char *
keep(const char *val)
{
	char **p, *v;
	size_t cap;

	if (nkept == capkept) {
		cap = capkept ? 2 * capkept : 16;
		if ((p = realloc(kept, cap * sizeof(*p))) == NULL)
			return NULL;
		kept = p;
		capkept = cap;
	}
	if ((v = strdup(val)) == NULL)
		return NULL;
	kept[nkept++] = v;
	return v;
}

int
conf_load(const char *path, const struct option *opts, conf_apply_fn fn,
    void *arg, char *err, size_t errlen)
{
	const struct option *o;
	struct stat st;
	FILE *fp;
	char *line = NULL, *name, *val, *end, *v;
	size_t cap = 0, nlen;
	ssize_t len;
	int lineno = 0, ret = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & 077))
		ret = 1;
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		for (name = line; isspace((unsigned char)*name); name++)
			;
		if (*name == '\0' || *name == '#')
			continue;
		for (val = name; *val && !isspace((unsigned char)*val); val++)
			;
		nlen = (size_t)(val - name);
		while (isspace((unsigned char)*val))
			val++;
		for (end = val + strlen(val); end > val &&
		    isspace((unsigned char)end[-1]); end--)
			;
		*end = '\0';
		for (o = opts; o->name != NULL; o++)
			if (strlen(o->name) == nlen &&
			    strncmp(o->name, name, nlen) == 0)
				break;
		if (o->name == NULL || strcmp(o->name, "help") == 0 ||
		    strcmp(o->name, "config") == 0) {
			snprintf(err, errlen, "%s:%d: %.*s: not an option of "
			    "this program here", path, lineno, (int)nlen, name);
			goto bad;
		}
		if (o->has_arg == required_argument && *val == '\0') {
			snprintf(err, errlen, "%s:%d: %s needs a value", path,
			    lineno, o->name);
			goto bad;
		}
		if (o->has_arg == no_argument && *val != '\0') {
			snprintf(err, errlen, "%s:%d: %s takes no value", path,
			    lineno, o->name);
			goto bad;
		}
		v = NULL;
		if (o->has_arg != no_argument && (v = keep(val)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto bad;
		}
		fn(arg, o->val, v);
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto bad;
	}
	free(line);
	fclose(fp);
	return ret;
bad:
	free(line);
	fclose(fp);
	return -1;
}

const char *
conf_path(int argc, char *const argv[])
{
	const char *path = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if ((strcmp(argv[i], "-C") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
		else if (strncmp(argv[i], "-C", 2) == 0 && argv[i][2] != '\0')
			path = argv[i] + 2;
	}
	return path;
}
