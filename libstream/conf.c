/*
 * conf -- options from files, as arguments (conf.h).  argv is scanned the
 * way getopt_long() will scan it (which options take a value, where
 * operands end), so that "-C" as another option's value or in a command
 * after trigger's operands is left alone.  Each file line becomes one
 * allocated "--name=value" string; a table of (value, file, line) answers
 * conf_where() by address.  A file of 1,000,000 lines costs one getline,
 * one lookup in the option table and one allocation a line.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "bundle.h"
#include "conf.h"

struct from {
	const char	*val;	/* the value inside its "--name=value" */
	size_t		 len;
	unsigned	 file;
	unsigned	 line;
};

/* Everything made lives until exit: kept reachable here. */
static struct from	*from;
static size_t		 nfrom, capfrom;
static char		**files;	/* names of the files read */
static unsigned		 nfiles;
static const char	*exposed;
static char		***made;	/* every argv built, failed ones too */
static size_t		  nmade;

/* Keep v reachable until exit (LeakSanitizer sees it; nothing frees it). */
static void
keep(char **v)
{
	char ***p;

	if (v == NULL || (p = realloc(made, (nmade + 1) * sizeof(*p))) ==
	    NULL)
		return;
	made = p;
	made[nmade++] = v;
}

/* The argv being built. */
struct av {
	char	**v;
	size_t	  n, cap;
};

static int
push(struct av *a, char *s)
{
	char **p;
	size_t cap;

	if (a->n + 1 >= a->cap) {
		cap = a->cap ? 2 * a->cap : 64;
		if ((p = realloc(a->v, cap * sizeof(*p))) == NULL)
			return -1;
		a->v = p;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return 0;
}

static int
isblank_(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

/* The option named s[0..n) in opts, exactly; NULL if none. */
static const struct option *
byname(const struct option *opts, const char *s, size_t n)
{
	const struct option *o;

	for (o = opts; o->name != NULL; o++)
		if (strncmp(o->name, s, n) == 0 && o->name[n] == '\0')
			return o;
	return NULL;
}

/* As getopt_long() matches "--s": exactly, else a unique prefix. */
static const struct option *
bylong(const struct option *opts, const char *s, size_t n)
{
	const struct option *o, *hit;

	if ((hit = byname(opts, s, n)) != NULL)
		return hit;
	for (o = opts; o->name != NULL; o++)
		if (strncmp(o->name, s, n) == 0) {
			if (hit != NULL)
				return NULL;
			hit = o;
		}
	return hit;
}

/* Read one file's lines onto a; EX_OK or a status with err set. */
static int
load(struct av *a, const char *path, const struct option *opts,
    const struct option *cfg, const char *section, char *err, size_t errlen)
{
	const struct option *o;
	struct stat st;
	struct from *fp2;
	FILE *fp;
	char *line = NULL, *name, *val, *end, *s, *c, **fl;
	size_t cap = 0, nlen, vlen, fcap;
	ssize_t len;
	unsigned lineno = 0, fi;
	int status = EX_OK;

	if (section != NULL)
		fp = bundle_fopen(path, section, err, errlen);
	else if ((fp = fopen(path, "r")) == NULL)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fp == NULL)
		return section != NULL && errno == EINVAL ? EX_DATAERR :
		    EX_NOINPUT;
	if (exposed == NULL && fstat(fileno(fp), &st) == 0 &&
	    S_ISREG(st.st_mode) && (st.st_mode & 077))
		exposed = path;
	if ((fl = realloc(files, (nfiles + 1) * sizeof(*fl))) == NULL ||
	    (fl[nfiles] = strdup(path)) == NULL) {
		if (fl != NULL)
			files = fl;
		fclose(fp);
		snprintf(err, errlen, "%s: out of memory", path);
		return EX_OSERR;
	}
	files = fl;
	fi = nfiles++;
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		/* a comment: '#' first on the line or after a blank */
		for (c = line; (c = strchr(c, '#')) != NULL; c++)
			if (c == line || isblank_((unsigned char)c[-1])) {
				*c = '\0';
				break;
			}
		for (name = line; isblank_((unsigned char)*name); name++)
			;
		if (*name == '\0')
			continue;
		for (val = name; *val && !isblank_((unsigned char)*val); val++)
			;
		nlen = (size_t)(val - name);
		while (isblank_((unsigned char)*val))
			val++;
		for (end = val + strlen(val); end > val &&
		    isblank_((unsigned char)end[-1]); end--)
			;
		*end = '\0';
		vlen = (size_t)(end - val);
		if ((o = byname(opts, name, nlen)) == NULL ||
		    strcmp(o->name, "help") == 0) {
			snprintf(err, errlen, "%s:%u: %.*s: no such option",
			    path, lineno, (int)nlen, name);
			goto bad;
		}
		if (o == cfg) {
			snprintf(err, errlen, "%s:%u: %s: not inside a config "
			    "file", path, lineno, o->name);
			goto bad;
		}
		if (o->has_arg == required_argument && vlen == 0) {
			snprintf(err, errlen, "%s:%u: %s: needs a value", path,
			    lineno, o->name);
			goto bad;
		}
		if (o->has_arg == no_argument && vlen != 0) {
			snprintf(err, errlen, "%s:%u: %s: takes no value", path,
			    lineno, o->name);
			goto bad;
		}
		if ((s = malloc(nlen + vlen + 4)) == NULL)
			goto oom;
		memcpy(s, "--", 2);
		memcpy(s + 2, name, nlen);
		s[2 + nlen] = '\0';
		if (vlen != 0) {
			s[2 + nlen] = '=';
			memcpy(s + 3 + nlen, val, vlen);
			s[3 + nlen + vlen] = '\0';
			if (nfrom == capfrom) {
				fcap = capfrom ? 2 * capfrom : 64;
				if ((fp2 = realloc(from, fcap *
				    sizeof(*fp2))) == NULL) {
					free(s);
					goto oom;
				}
				from = fp2;
				capfrom = fcap;
			}
			from[nfrom].val = s + 3 + nlen;
			from[nfrom].len = vlen;
			from[nfrom].file = fi;
			from[nfrom++].line = lineno;
		}
		if (push(a, s) == -1) {
			free(s);
			goto oom;
		}
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		status = EX_NOINPUT;
	}
	free(line);
	fclose(fp);
	return status;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
	free(line);
	fclose(fp);
	return EX_OSERR;
bad:
	free(line);
	fclose(fp);
	return EX_USAGE;
}

int
conf_args(int *argcp, char ***argvp, const char *shortopts,
    const struct option *opts, const char *section, char *err, size_t errlen)
{
	const struct option *cfg, *o;
	struct av fa = { NULL, 0, 0 }, ca = { NULL, 0, 0 };
	char **argv = *argvp, *a, *eq, *pre;
	const char *sp, *path;
	int argc = *argcp, i, j, cshort = 0, stop, st, any = 0;
	size_t k;

	if ((cfg = byname(opts, "config", 6)) == NULL)
		return EX_OK;
	if (cfg->val > 0 && cfg->val < 256 && cfg->val != ':' &&
	    strchr(shortopts, cfg->val) != NULL)
		cshort = cfg->val;
	stop = shortopts[0] == '+';
	if (push(&fa, argv[0]) == -1)
		goto oom;
	for (i = 1; i < argc; i++) {
		a = argv[i];
		path = NULL;
		if (strcmp(a, "--") == 0 || (a[0] != '-' && stop))
			break;
		if (a[0] != '-' || a[1] == '\0') {		/* operand */
			if (push(&ca, a) == -1)
				goto oom;
			continue;
		}
		if (a[1] == '-') {				/* --long */
			eq = strchr(a + 2, '=');
			k = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
			o = bylong(opts, a + 2, k);
			if (o == cfg && o != NULL) {
				if (eq != NULL)
					path = eq + 1;
				else if (i + 1 < argc)
					path = argv[++i];
			} else {
				if (push(&ca, a) == -1)
					goto oom;
				if (o != NULL && o->has_arg ==
				    required_argument && eq == NULL &&
				    i + 1 < argc && push(&ca, argv[++i]) == -1)
					goto oom;
				continue;
			}
		} else {					/* -abc */
			for (j = 1; a[j] != '\0'; j++) {
				if (cshort != 0 && a[j] == cshort)
					break;
				sp = a[j] != ':' ? strchr(shortopts, a[j]) :
				    NULL;
				if (sp != NULL && sp[1] == ':') {
					if (a[j + 1] == '\0') {
						j = -1;	/* value next */
						break;
					}
					j = -2;	/* value attached */
					break;
				}
			}
			if (j < 0 || a[j] == '\0') {	/* no -C here */
				if (push(&ca, a) == -1)
					goto oom;
				if (j == -1 && i + 1 < argc &&
				    push(&ca, argv[++i]) == -1)
					goto oom;
				continue;
			}
			if (j > 1) {		/* the letters before -C */
				if ((pre = strndup(a, (size_t)j)) == NULL ||
				    push(&ca, pre) == -1)
					goto oom;
			}
			if (a[j + 1] != '\0')
				path = a + j + 1;
			else if (i + 1 < argc)
				path = argv[++i];
		}
		if (path == NULL) {	/* getopt_long() will say */
			if (push(&ca, a) == -1)
				goto oom;
			continue;
		}
		any = 1;
		if ((st = load(&fa, path, opts, cfg, section, err, errlen)) !=
		    EX_OK) {
			keep(fa.v);	/* reachable until the exit */
			keep(ca.v);
			return st;
		}
	}
	if (!any) {
		free(fa.v);
		free(ca.v);
		return EX_OK;
	}
	for (k = 0; k < ca.n; k++)
		if (push(&fa, ca.v[k]) == -1)
			goto oom;
	for (; i < argc; i++)
		if (push(&fa, argv[i]) == -1)
			goto oom;
	free(ca.v);
	*argcp = (int)fa.n;
	*argvp = fa.v;		/* kept for the program's life */
	keep(fa.v);
	return EX_OK;
oom:
	snprintf(err, errlen, "out of memory");
	keep(fa.v);
	keep(ca.v);
	return EX_OSERR;
}

const char *
conf_where(const char *arg)
{
	static char buf[4200];
	uintptr_t p = (uintptr_t)arg, v;
	size_t i;

	if (arg == NULL)
		return NULL;
	for (i = nfrom; i-- > 0;) {
		v = (uintptr_t)from[i].val;
		if (p >= v && p <= v + from[i].len) {
			snprintf(buf, sizeof(buf), "%s:%u",
			    files[from[i].file], from[i].line);
			return buf;
		}
	}
	return NULL;
}

const char *
conf_exposed(void)
{
	return exposed;
}
