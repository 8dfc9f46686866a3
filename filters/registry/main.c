/*
 * registry -- models by name and version in a directory, and the aliases
 * (production, staging, shadow, ...) that say which version serves.  No
 * server: a directory, a lock file and an append-only history.
 *
 *	DIR/lock			flock(2): one writer at a time
 *	DIR/history			one line per decision, fsynced
 *	DIR/pubkey			the trusted key (init --pubkey), optional
 *	DIR/NAME/versions/VERSION.bundle	the bundles, read-only, as added
 *	DIR/NAME/ALIAS -> versions/VERSION.bundle	what infer is given
 *
 * add verifies a bundle (digest, signature: bundle_load) before it is
 * stored, and refuses a version that exists with other bytes.  An alias
 * moves by making a symlink under a temporary name and rename(2)ing it over
 * the old one, so a reader sees the old holder or the new one, never none.
 * rollback goes back to the holder before the current one, as the history
 * tells it (promote pushes, rollback pops).  Not a frame filter.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "durable.h"
#include "optx.h"
#include "timeparse.h"

#define DEFAULT_DIR	"/var/lib/pdm/registry"
#define DEFAULT_ALIAS	"production"
#define EXT		".bundle"
#define NAME_MAX_LEN	128
#define HIST_FIELDS	8	/* when op name alias from to why gate */
#define HIST_HEADER	"# pdm-edge registry history 1\twhen\top\tname" \
			"\talias\tfrom\tto\twhy\tgate\n"

/* What the command line said. */
struct opts {
	const char	*dir;
	const char	*alias;		/* NULL: production */
	const char	*why, *gate;
	const char	*pubkey_path;
	double		 wait;		/* seconds for the lock */
};

/* A growable list of strings (versions, names); owns them. */
struct strv {
	char		**v;
	size_t		 n, cap;
};

static struct opts	 o;
static int		 lockfd = -1;
static uint8_t		 pubkey[32];
static int		 have_pubkey;

static _Noreturn void	 usage(int);
static int		 cmd_init(int, char **);
static int		 cmd_add(int, char **);
static int		 cmd_list(int, char **);
static int		 cmd_show(int, char **);
static int		 cmd_path(int, char **);
static int		 cmd_promote(int, char **);
static int		 cmd_refuse(int, char **);
static int		 cmd_rollback(int, char **);
static int		 cmd_history(int, char **);
static int		 cmd_verify(int, char **);

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*allowed;	/* options it takes, by letter */
} cmds[] = {
	{ "init",	cmd_init,	"k" },
	{ "add",	cmd_add,	"kw" },
	{ "list",	cmd_list,	"w" },
	{ "show",	cmd_show,	"aw" },
	{ "path",	cmd_path,	"aw" },
	{ "promote",	cmd_promote,	"agkwy" },
	{ "refuse",	cmd_refuse,	"agwy" },
	{ "rollback",	cmd_rollback,	"akwy" },
	{ "history",	cmd_history,	"aw" },
	{ "verify",	cmd_verify,	"kw" },
};

static const struct option longopts[] = {
	{ "alias",	required_argument, NULL, 'a' },
	{ "dir",	required_argument, NULL, 'd' },
	{ "gate",	required_argument, NULL, 'g' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "config",	required_argument, NULL, 'C' },
	{ "pubkey",	required_argument, NULL, 'k' },
	{ "wait",	required_argument, NULL, 'w' },
	{ "why",	required_argument, NULL, 'y' },
	{ NULL, 0, NULL, 0 }
};

static _Noreturn void
usage(int status)
{
	optx_usage(status,
	    "usage: registry [-C file] [-d dir] [-w seconds] init [-k pubkey]\n"
	    "       registry [-d dir] add [-k pubkey] bundle ...\n"
	    "       registry [-d dir] list [name]\n"
	    "       registry [-d dir] show name[@version] [-a alias]\n"
	    "       registry [-d dir] path name[@version] [-a alias]\n"
	    "       registry [-d dir] promote name@version [-a alias] "
	    "[-k pubkey]\n"
	    "                [-y why] [-g gate]\n"
	    "       registry [-d dir] refuse name@version [-a alias] "
	    "[-y why] [-g gate]\n"
	    "       registry [-d dir] rollback name [-a alias] [-k pubkey] "
	    "[-y why]\n"
	    "       registry [-d dir] history [name] [-a alias]\n"
	    "       registry [-d dir] verify [-k pubkey] [name]\n", "\n"
	    "  init       make the registry directory; -k pins the trusted "
	    "key\n"
	    "  add        verify each bundle (digest, signature) and store it\n"
	    "  list       every stored version: created, kind, aliases\n"
	    "  show       one version's metadata (name alone: the alias "
	    "holder)\n"
	    "  path       the stored file of a version or of the alias holder\n"
	    "  promote    move the alias to this version (atomic symlink "
	    "flip)\n"
	    "  refuse     record a gate's refusal without moving anything\n"
	    "  rollback   move the alias back to its previous holder\n"
	    "  history    the log of every add, promote, refuse and rollback\n"
	    "  verify     check every stored bundle, every alias link and the "
	    "history\n"
	    "\n"
	    "  -a, --alias A      alias (default production)\n"
	    "  -C, --config FILE  options from FILE, a \"long-option value\" a "
	    "line (the\n"
	    "                     command line wins); each applies where it "
	    "can\n"
	    "  -d, --dir DIR      registry directory (default $PDM_REGISTRY, "
	    "else\n"
	    "                     " DEFAULT_DIR ")\n"
	    "  -g, --gate TEXT    the gate's numbers, for the history\n"
	    "  -h, --help         this help\n"
	    "  -k, --pubkey FILE  require bundles signed by this key "
	    "(default:\n"
	    "                     DIR/pubkey if present)\n"
	    "  -w, --wait SEC     wait at most this long for the lock "
	    "(default 30)\n"
	    "  -y, --why TEXT     the reason, for the history\n"
	    "exit: 0 done, 64 usage, 65 bundle refused, history malformed or "
	    "verify found\n      a problem, "
	    "66 not found,\n"
	    "      69 nothing to roll back to, 70 history and alias disagree,\n"
	    "      73 version exists with other bytes, 74 I/O error, "
	    "75 lock busy\n");
}

int
main(int argc, char *argv[])
{
	const char *e;
	static const char optstr[] = "C:a:d:g:hk:w:y:";
	char given[16] = "";
	size_t i;
	int ch;

	o.wait = 30;
	o.dir = (e = getenv("PDM_REGISTRY")) != NULL && *e != '\0' ? e :
	    DEFAULT_DIR;
	optx_config(&argc, &argv, optstr, longopts, NULL);
	while ((ch = getopt_long(argc, argv, optstr, longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			o.alias = optarg;
			break;
		case 'd':
			o.dir = optarg;
			break;
		case 'g':
			o.gate = optarg;
			break;
		case 'h':
			usage(EX_OK);
		case 'k':
			o.pubkey_path = optarg;
			break;
		case 'w':
			o.wait = optx_secs("wait", optarg, 0, 86400);
			break;
		case 'y':
			o.why = optarg;
			break;
		default:
			usage(EX_USAGE);
		}
		/* a -C file's options are there for every command */
		if (ch != 'd' && strchr(given, ch) == NULL &&
		    conf_where(optarg) == NULL)
			given[strlen(given)] = (char)ch;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(EX_USAGE);
	if (*o.dir == '\0')
		errx(EX_USAGE, "--dir: empty");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name) != 0)
			continue;
		for (e = given; *e != '\0'; e++)
			if (strchr(cmds[i].allowed, *e) == NULL) {
				warnx("%s: option -%c does not apply",
				    cmds[i].name, *e);
				usage(EX_USAGE);
			}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	warnx("unknown command '%s'", argv[0]);
	usage(EX_USAGE);
}

/* ---- names, paths, files ------------------------------------------------ */

/*
 * A name, version or alias: 1 to 128 of [A-Za-z0-9._:+-], not starting
 * with '.' (no hidden files, no "..") nor '-'.  0 ok, -1 not.
 */
static int
valid_name(const char *s)
{
	size_t n;

	if (s == NULL || *s == '\0' || *s == '.' || *s == '-')
		return -1;
	for (n = 0; s[n] != '\0'; n++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._:+-", s[n]) == NULL)
			return -1;
	return n <= NAME_MAX_LEN ? 0 : -1;
}

static const char *
alias_name(void)
{
	return o.alias != NULL ? o.alias : DEFAULT_ALIAS;
}

static void
check_alias(void)
{
	if (valid_name(alias_name()) == -1 ||
	    strcmp(alias_name(), "versions") == 0)
		errx(EX_USAGE, "--alias: '%s' is not an alias name (1 to %d "
		    "of A-Z a-z 0-9 . _ : + -, not 'versions')", alias_name(),
		    NAME_MAX_LEN);
}

/* snprintf into a PATH_MAX buffer, or die: paths here are short. */
static void
mkpath(char *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
mkpath(char *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX)
		errx(EX_USAGE, "%s: path too long", o.dir);
}

/*
 * Split "name@version" (version may be NULL: "name" alone).  The string is
 * modified.  Dies with EX_USAGE on a bad name.
 */
static void
split_spec(char *spec, char **name, char **version, int need_version)
{
	char *at;

	*version = NULL;
	if ((at = strchr(spec, '@')) != NULL) {
		*at = '\0';
		*version = at + 1;
	}
	*name = spec;
	if (valid_name(*name) == -1)
		errx(EX_USAGE, "'%s': not a model name (1 to %d of A-Z a-z "
		    "0-9 . _ : + -)", *name, NAME_MAX_LEN);
	if (*version != NULL && valid_name(*version) == -1)
		errx(EX_USAGE, "'%s': not a version", *version);
	if (need_version && *version == NULL)
		errx(EX_USAGE, "'%s': NAME@VERSION expected", spec);
}

static void
load_pubkey(void)
{
	char path[PATH_MAX], e[512];

	if (o.pubkey_path == NULL) {
		mkpath(path, "%s/pubkey", o.dir);
		if (access(path, F_OK) == -1)
			return;
		o.pubkey_path = strdup(path);
		if (o.pubkey_path == NULL)
			err(EX_OSERR, NULL);
	}
	if (bundle_key_read(o.pubkey_path, pubkey, sizeof(pubkey), e,
	    sizeof(e)) == -1)
		errx(EX_NOINPUT, "%s", e);
	have_pubkey = 1;
}

/*
 * Take the registry's lock: exclusive to change it, shared to read.
 * Creates the lock file (and, with create, the directory).  Waits up to
 * --wait seconds, then EX_TEMPFAIL.
 */
static void
lock_registry(int exclusive, int create)
{
	struct timespec t0, now, nap = { 0, 10 * 1000 * 1000 };
	char path[PATH_MAX];
	double waited;

	if (create && mkdir(o.dir, 0755) == -1 && errno != EEXIST)
		err(EX_CANTCREAT, "%s", o.dir);
	if (access(o.dir, F_OK) == -1)
		err(EX_NOINPUT, "%s", o.dir);
	mkpath(path, "%s/lock", o.dir);
	lockfd = open(path, (exclusive ? O_RDWR | O_CREAT : O_RDONLY) |
	    O_CLOEXEC, 0644);
	if (lockfd == -1 && !exclusive && errno == ENOENT)
		return;		/* never written to: nothing to wait for */
	if (lockfd == -1)
		err(exclusive ? EX_CANTCREAT : EX_NOINPUT, "%s", path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (flock(lockfd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) ==
	    -1) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			err(EX_IOERR, "%s", path);
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (double)(now.tv_sec - t0.tv_sec) +
		    (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
		if (waited >= o.wait)
			errx(EX_TEMPFAIL, "%s: still locked after %g s",
			    path, o.wait);
		nanosleep(&nap, NULL);
	}
}

/* ---- strv ------------------------------------------------------------- */

static void
strv_push(struct strv *sv, const char *s)
{
	char **nv;

	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 16;
		if ((nv = realloc(sv->v, sv->cap * sizeof(*nv))) == NULL)
			err(EX_OSERR, NULL);
		sv->v = nv;
	}
	if ((sv->v[sv->n++] = strdup(s)) == NULL)
		err(EX_OSERR, NULL);
}

static void
strv_pop(struct strv *sv)
{
	if (sv->n > 0)
		free(sv->v[--sv->n]);
}

static void
strv_free(struct strv *sv)
{
	while (sv->n > 0)
		strv_pop(sv);
	free(sv->v);
	sv->v = NULL;
	sv->cap = 0;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The entries of dir, sorted: with want_ext, the names of regular files
 * ending in EXT (EXT stripped); else subdirectories.  Hidden ones skipped.
 * A missing dir is an empty list.
 */
static void
list_dir(const char *dir, int want_ext, struct strv *sv)
{
	struct dirent *de;
	struct stat st;
	char p[PATH_MAX], *s;
	size_t n, el = strlen(EXT);
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return;
		err(EX_NOINPUT, "%s", dir);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		mkpath(p, "%s/%s", dir, de->d_name);
		if (lstat(p, &st) == -1)
			continue;
		n = strlen(de->d_name);
		if (want_ext ? !S_ISREG(st.st_mode) || n <= el ||
		    strcmp(de->d_name + n - el, EXT) != 0 :
		    !S_ISDIR(st.st_mode))
			continue;
		strv_push(sv, de->d_name);
		if (want_ext) {
			s = sv->v[sv->n - 1];
			s[n - el] = '\0';
		}
	}
	closedir(d);
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmpstr);
}

/*
 * The version an alias link of name points at, into ver (NAME_MAX_LEN + 1
 * bytes): 1, 0 if the alias does not exist, -1 if it is not a link this
 * registry made (errno EINVAL).
 */
static int
alias_holder(const char *name, const char *alias, char *ver)
{
	char p[PATH_MAX], t[PATH_MAX];
	const char *pre = "versions/";
	ssize_t n;
	size_t pl = strlen(pre), el = strlen(EXT);

	mkpath(p, "%s/%s/%s", o.dir, name, alias);
	if ((n = readlink(p, t, sizeof(t) - 1)) == -1)
		return errno == ENOENT ? 0 : -1;
	t[n] = '\0';
	if ((size_t)n <= pl + el || strncmp(t, pre, pl) != 0 ||
	    strcmp(t + n - el, EXT) != 0 || (size_t)n - pl - el > NAME_MAX_LEN) {
		errno = EINVAL;
		return -1;
	}
	memcpy(ver, t + pl, (size_t)n - pl - el);
	ver[n - pl - el] = '\0';
	return 1;
}

/* Like alias_holder() but dies on a foreign link. */
static int
holder(const char *name, const char *alias, char *ver)
{
	int rc;

	if ((rc = alias_holder(name, alias, ver)) == -1)
		err(errno == EINVAL ? EX_DATAERR : EX_IOERR, "%s/%s/%s",
		    o.dir, name, alias);
	return rc;
}

/* The aliases of name (symlinks in DIR/NAME) that point at version. */
static void
aliases_of(const char *name, const char *version, char *out, size_t outlen)
{
	struct dirent *de;
	char d[PATH_MAX], v[NAME_MAX_LEN + 1];
	struct strv sv = { 0 };
	size_t i, used = 0;
	DIR *dp;

	out[0] = '\0';
	mkpath(d, "%s/%s", o.dir, name);
	if ((dp = opendir(d)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.' && valid_name(de->d_name) == 0 &&
		    alias_holder(name, de->d_name, v) == 1 &&
		    strcmp(v, version) == 0)
			strv_push(&sv, de->d_name);
	closedir(dp);
	if (sv.n > 1)
		qsort(sv.v, sv.n, sizeof(*sv.v), cmpstr);
	for (i = 0; i < sv.n && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
		    i ? "," : "", sv.v[i]);
	strv_free(&sv);
}

/*
 * Load and check the stored bundle name@version: the same checks as add,
 * so that a file changed at rest is never promoted.  Dies: 66 missing, 65
 * refused.  Caller frees.
 */
static struct bundle *
load_stored(const char *name, const char *version, char *path)
{
	struct bundle *b;
	char e[1024];

	mkpath(path, "%s/%s/versions/%s" EXT, o.dir, name, version);
	if (access(path, F_OK) == -1)
		errx(EX_NOINPUT, "%s@%s: no such version in %s", name, version,
		    o.dir);
	if ((b = bundle_load(path, have_pubkey ? pubkey : NULL, e,
	    sizeof(e))) == NULL)
		errx(EX_DATAERR, "%s", e);
	if (strcmp(b->name, name) != 0 || strcmp(b->version, version) != 0)
		errx(EX_DATAERR, "%s: holds %s@%s, not %s@%s", path, b->name,
		    b->version, name, version);
	return b;
}

/* ---- history ------------------------------------------------------------ */

/* Append s to the line, with tab, newline, CR and backslash escaped. */
static size_t
put_field(char *line, size_t used, size_t cap, const char *s, int last)
{
	const char *p;
	char c;

	if (s == NULL || *s == '\0')
		s = "-";
	for (p = s; *p != '\0'; p++) {
		c = *p;
		if (c == '\t' || c == '\n' || c == '\r' || c == '\\') {
			if (used < cap)
				line[used] = '\\';
			used++;
			c = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ?
			    'r' : '\\';
		}
		if (used < cap)
			line[used] = c;
		used++;
	}
	if (used < cap)
		line[used] = last ? '\n' : '\t';
	return used + 1;
}

/*
 * One line in DIR/history: when, op, name, alias, from, to, why, gate;
 * written with one write(2) to a file opened O_APPEND, then fsynced.
 * Called under the exclusive lock.  Dies with EX_IOERR.
 */
static void
hist_append(const char *op, const char *name, const char *alias,
    const char *from, const char *to, const char *why, const char *gate)
{
	const char *f[HIST_FIELDS];
	struct timespec ts;
	struct stat st;
	char path[PATH_MAX], when[40], *line, e[PATH_MAX + 64];
	size_t cap = 256, used;
	ssize_t w;
	int fd, i;

	clock_gettime(CLOCK_REALTIME, &ts);
	time_format(when, sizeof(when), ts.tv_sec, (uint32_t)ts.tv_nsec, 3);
	f[0] = when, f[1] = op, f[2] = name, f[3] = alias;
	f[4] = from, f[5] = to, f[6] = why, f[7] = gate;
	for (;;) {
		if ((line = malloc(cap)) == NULL)
			err(EX_OSERR, NULL);
		for (used = 0, i = 0; i < HIST_FIELDS; i++)
			used = put_field(line, used, cap, f[i],
			    i == HIST_FIELDS - 1);
		if (used <= cap)
			break;
		free(line);
		cap = used;
	}
	mkpath(path, "%s/history", o.dir);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1)
		err(EX_IOERR, "%s", path);
	if (fstat(fd, &st) == -1)
		err(EX_IOERR, "%s", path);
	if (st.st_size == 0 && write(fd, HIST_HEADER, strlen(HIST_HEADER)) !=
	    (ssize_t)strlen(HIST_HEADER))
		err(EX_IOERR, "%s", path);
	if ((w = write(fd, line, used)) != (ssize_t)used) {
		if (w >= 0)
			errno = ENOSPC;
		err(EX_IOERR, "%s", path);
	}
	if (fsync(fd) == -1 || close(fd) == -1)
		err(EX_IOERR, "%s", path);
	if (st.st_size == 0)	/* a new file: its entry, as best we can */
		(void)durable_sync_dir(o.dir, e, sizeof(e));
	free(line);
}

/*
 * Read DIR/history and call fn for each record (fields unescaped in place;
 * "-" for empty).  A missing history has no records.  A line that does not
 * have its eight fields: EX_DATAERR naming the line.
 */
static void
hist_read(void (*fn)(char **, const char *, void *), void *arg)
{
	char path[PATH_MAX], *line = NULL, *f[HIST_FIELDS], *p, *q;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	FILE *fp;
	int i;

	mkpath(path, "%s/history", o.dir);
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return;
		err(EX_NOINPUT, "%s", path);
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (line[0] == '#')
			continue;
		if (n == 0 || line[n - 1] != '\n')
			errx(EX_DATAERR, "%s:%zu: unterminated line", path,
			    lineno);
		line[n - 1] = '\0';
		for (i = 0, p = line; i < HIST_FIELDS; i++) {
			f[i] = p;
			if ((q = strchr(p, '\t')) == NULL)
				break;
			*q = '\0';
			p = q + 1;
		}
		if (i != HIST_FIELDS - 1 || strchr(p, '\t') != NULL)
			errx(EX_DATAERR, "%s:%zu: expected %d tab-separated "
			    "fields", path, lineno, HIST_FIELDS);
		fn(f, line, arg);
	}
	if (ferror(fp))
		err(EX_IOERR, "%s", path);
	free(line);
	fclose(fp);
}

/* ---- commands ----------------------------------------------------------- */

static int
cmd_init(int argc, char **argv)
{
	char path[PATH_MAX], tmp[PATH_MAX], e[512];
	uint8_t k[32];
	(void)argv;

	if (argc != 0)
		usage(EX_USAGE);
	lock_registry(1, 1);
	if (o.pubkey_path != NULL) {
		if (bundle_key_read(o.pubkey_path, k, sizeof(k), e,
		    sizeof(e)) == -1)
			errx(EX_NOINPUT, "%s", e);
		mkpath(path, "%s/pubkey", o.dir);
		mkpath(tmp, "%s/.pubkey.tmp.%ld", o.dir, (long)getpid());
		if (bundle_key_write(tmp, k, sizeof(k), 0, e, sizeof(e)) == -1)
			errx(EX_IOERR, "%s", e);
		if (rename(tmp, path) == -1) {
			unlink(tmp);
			err(EX_IOERR, "%s", path);
		}
	}
	if (durable_sync_dir(o.dir, e, sizeof(e)) == -1)
		errx(EX_IOERR, "%s", e);
	printf("%s%s%s\n", o.dir, o.pubkey_path ? ": bundles must be signed "
	    "by the key in " : "", o.pubkey_path ? path : "");
	return EX_OK;
}

/*
 * Store bytes p[0..n) (already verified) as DIR/NAME/versions/VERSION.bundle:
 * a temporary file, fsync, mode 0444, rename, fsync of the directory.
 */
static void
store(const char *name, const char *version, const char *p, size_t n,
    const char *dst)
{
	char d1[PATH_MAX], d2[PATH_MAX], tmp[PATH_MAX], e[PATH_MAX + 64];
	ssize_t w;
	size_t done = 0;
	int fd;

	mkpath(d1, "%s/%s", o.dir, name);
	mkpath(d2, "%s/versions", d1);
	if (durable_mkdirs(d2, e, sizeof(e)) == -1)
		errx(EX_CANTCREAT, "%s", e);
	mkpath(tmp, "%s/.%s.tmp.%ld", d2, version, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0444)) == -1)
		err(EX_CANTCREAT, "%s", tmp);
	while (done < n) {
		if ((w = write(fd, p + done, n - done)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		done += (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, dst) == -1 || durable_sync_dir(d2, e, sizeof(e)) == -1)
		goto fail;
	return;
fail:
	warn("%s", dst);
	if (fd != -1)
		close(fd);
	unlink(tmp);
	exit(EX_IOERR);
}

/* add one file: 0 added or already there, else its exit status. */
static int
add_one(const char *file)
{
	struct bundle *b;
	char *p, *q;
	size_t n, qn;
	char dst[PATH_MAX], e[1024], hex[65];
	int rc = EX_OK;

	if (durable_read(file, BUNDLE_MAX_BYTES, &p, &n, e, sizeof(e)) == -1) {
		warnx("%s", e);
		return errno == ENOENT || errno == EACCES ? EX_NOINPUT :
		    EX_DATAERR;
	}
	if ((b = bundle_load_mem_named(p, n, file, have_pubkey ? pubkey : NULL,
	    e, sizeof(e))) == NULL) {
		warnx("%s", e);
		free(p);
		return EX_DATAERR;
	}
	if (valid_name(b->name) == -1 || valid_name(b->version) == -1) {
		warnx("%s: name '%s' or version '%s' cannot be stored (1 to %d "
		    "of A-Z a-z 0-9 . _ : + -)", file, b->name, b->version,
		    NAME_MAX_LEN);
		rc = EX_DATAERR;
		goto out;
	}
	mkpath(dst, "%s/%s/versions/%s" EXT, o.dir, b->name, b->version);
	if (durable_read(dst, BUNDLE_MAX_BYTES, &q, &qn, e, sizeof(e)) == 0) {
		if (qn == n && memcmp(p, q, n) == 0)
			printf("%s@%s already present (same bytes)\n", b->name,
			    b->version);
		else {
			warnx("%s: %s@%s exists in %s with other bytes; a new "
			    "model needs a new version", file, b->name,
			    b->version, o.dir);
			rc = EX_CANTCREAT;
		}
		free(q);
		goto out;
	} else if (errno != ENOENT)
		errx(EX_IOERR, "%s", e);
	store(b->name, b->version, p, n, dst);
	bundle_hex(hex, b->sha256, sizeof(b->sha256));
	snprintf(e, sizeof(e), "sha256=%s signed=%s", hex,
	    b->is_signed ? "yes" : "no");
	hist_append("add", b->name, NULL, NULL, b->version, file, e);
	printf("%s@%s added\n", b->name, b->version);
out:
	bundle_free(&b);
	free(p);
	return rc;
}

static int
cmd_add(int argc, char **argv)
{
	int i, rc, status = EX_OK;

	if (argc < 1)
		usage(EX_USAGE);
	lock_registry(1, 1);
	load_pubkey();
	for (i = 0; i < argc; i++)
		if ((rc = add_one(argv[i])) != EX_OK && status == EX_OK)
			status = rc;
	optx_stdout();
	return status;
}

static void
list_name(const char *name)
{
	struct bundle *b;
	struct strv vs = { 0 };
	char d[PATH_MAX], p[PATH_MAX], e[1024], when[32], al[512];
	size_t i;

	mkpath(d, "%s/%s/versions", o.dir, name);
	list_dir(d, 1, &vs);
	for (i = 0; i < vs.n; i++) {
		mkpath(p, "%s/%s" EXT, d, vs.v[i]);
		aliases_of(name, vs.v[i], al, sizeof(al));
		if ((b = bundle_load(p, NULL, e, sizeof(e))) == NULL) {
			printf("%s@%s\t-\t-\t%s\tdoes not load: %s\n", name,
			    vs.v[i], al[0] ? al : "-", e);
			continue;
		}
		time_format(when, sizeof(when), b->created, 0, 0);
		printf("%s@%s\t%s\t%s\t%s\n", name, vs.v[i], when,
		    b->kind ? b->kind : "-", al[0] ? al : "-");
		bundle_free(&b);
	}
	strv_free(&vs);
}

static int
cmd_list(int argc, char **argv)
{
	struct strv names = { 0 };
	size_t i;

	if (argc > 1)
		usage(EX_USAGE);
	if (argc == 1 && valid_name(argv[0]) == -1)
		errx(EX_USAGE, "'%s': not a model name", argv[0]);
	lock_registry(0, 0);
	if (argc == 1)
		strv_push(&names, argv[0]);
	else
		list_dir(o.dir, 0, &names);
	for (i = 0; i < names.n; i++)
		list_name(names.v[i]);
	strv_free(&names);
	optx_stdout();
	return EX_OK;
}

/* name@version from a spec, or name and the alias holder's version. */
static void
resolve(char *spec, char **name, char **version, char *buf)
{
	split_spec(spec, name, version, 0);
	if (*version != NULL)
		return;
	check_alias();
	if (holder(*name, alias_name(), buf) == 0)
		errx(EX_NOINPUT, "%s: no alias '%s' in %s", *name, alias_name(),
		    o.dir);
	*version = buf;
}

static int
cmd_show(int argc, char **argv)
{
	struct bundle *b;
	char *name, *version, v[NAME_MAX_LEN + 1], p[PATH_MAX], hex[65];
	char when[32], al[512];
	uint32_t i;

	if (argc != 1)
		usage(EX_USAGE);
	lock_registry(0, 0);
	load_pubkey();
	resolve(argv[0], &name, &version, v);
	b = load_stored(name, version, p);
	time_format(when, sizeof(when), b->created, 0, 0);
	aliases_of(name, version, al, sizeof(al));
	printf("name: %s\nversion: %s\nparent: %s\ncreated: %s\n", b->name,
	    b->version, b->parent ? b->parent : "-", when);
	printf("path: %s\naliases: %s\nkind: %s\nscore: %s\n", p,
	    al[0] ? al : "-", b->kind ? b->kind : "-",
	    b->score_name ? b->score_name : "-");
	printf("features: %u", b->nfeat);
	for (i = 0; i < b->nfeat; i++)
		printf("%s%s", i ? "," : " ", b->feat[i]);
	printf("\n");
	for (i = 0; i < b->nmetrics; i++)
		printf("metric.%s: %.17g\n", b->metric_key[i],
		    b->metric_val[i]);
	printf("data.digest: %s\ndata.rows: train=%llu validation=%llu "
	    "test=%llu\n", b->data_digest ? b->data_digest : "-",
	    (unsigned long long)b->rows_train,
	    (unsigned long long)b->rows_val,
	    (unsigned long long)b->rows_test);
	bundle_hex(hex, b->sha256, sizeof(b->sha256));
	printf("sha256: %s\n", hex);
	if (b->is_signed) {
		bundle_hex(hex, b->key, sizeof(b->key));
		printf("signed: %s%s\n", hex, have_pubkey ? " (trusted)" : "");
	} else
		printf("signed: no\n");
	bundle_free(&b);
	optx_stdout();
	return EX_OK;
}

static int
cmd_path(int argc, char **argv)
{
	char *name, *version, v[NAME_MAX_LEN + 1], p[PATH_MAX];

	if (argc != 1)
		usage(EX_USAGE);
	lock_registry(0, 0);
	resolve(argv[0], &name, &version, v);
	mkpath(p, "%s/%s/versions/%s" EXT, o.dir, name, version);
	if (access(p, F_OK) == -1)
		errx(EX_NOINPUT, "%s@%s: no such version in %s", name, version,
		    o.dir);
	printf("%s\n", p);
	optx_stdout();
	return EX_OK;
}

/*
 * Point DIR/NAME/ALIAS at versions/VERSION.bundle: a symlink under a
 * temporary name, renamed over the alias (atomic for every reader), then
 * the directory fsynced.
 */
static void
flip(const char *name, const char *alias, const char *version)
{
	char link[PATH_MAX], tmp[PATH_MAX], target[PATH_MAX], e[PATH_MAX + 64];

	mkpath(link, "%s/%s/%s", o.dir, name, alias);
	mkpath(tmp, "%s/%s/.%s.tmp.%ld", o.dir, name, alias, (long)getpid());
	mkpath(target, "versions/%s" EXT, version);
	unlink(tmp);
	if (symlink(target, tmp) == -1)
		err(EX_IOERR, "%s", tmp);
	if (rename(tmp, link) == -1) {
		warn("%s", link);
		unlink(tmp);
		exit(EX_IOERR);
	}
	mkpath(tmp, "%s/%s", o.dir, name);
	if (durable_sync_dir(tmp, e, sizeof(e)) == -1)
		errx(EX_IOERR, "%s", e);
}

static int
cmd_promote(int argc, char **argv)
{
	struct bundle *b;
	char *name, *version, cur[NAME_MAX_LEN + 1], p[PATH_MAX];
	int had;

	if (argc != 1)
		usage(EX_USAGE);
	split_spec(argv[0], &name, &version, 1);
	check_alias();
	lock_registry(1, 0);
	load_pubkey();
	b = load_stored(name, version, p);
	bundle_free(&b);
	had = holder(name, alias_name(), cur);
	if (had && strcmp(cur, version) == 0) {
		printf("%s: %s@%s already\n", alias_name(), name, version);
		return EX_OK;
	}
	flip(name, alias_name(), version);
	hist_append("promote", name, alias_name(), had ? cur : NULL, version,
	    o.why, o.gate);
	if (had)
		printf("%s: %s@%s -> %s@%s\n", alias_name(), name, cur, name,
		    version);
	else
		printf("%s: - -> %s@%s\n", alias_name(), name, version);
	optx_stdout();
	return EX_OK;
}

static int
cmd_refuse(int argc, char **argv)
{
	char *name, *version, cur[NAME_MAX_LEN + 1], p[PATH_MAX];
	int had;

	if (argc != 1)
		usage(EX_USAGE);
	split_spec(argv[0], &name, &version, 1);
	check_alias();
	lock_registry(1, 0);
	mkpath(p, "%s/%s/versions/%s" EXT, o.dir, name, version);
	if (access(p, F_OK) == -1)
		errx(EX_NOINPUT, "%s@%s: no such version in %s", name, version,
		    o.dir);
	had = holder(name, alias_name(), cur);
	hist_append("refuse", name, alias_name(), had ? cur : NULL, version,
	    o.why, o.gate);
	printf("%s: %s@%s refused, %s%s%s stays\n", alias_name(), name,
	    version, had ? name : "", had ? "@" : "", had ? cur : "-");
	optx_stdout();
	return EX_OK;
}

/* The alias's holders as a stack, rebuilt from the history. */
struct stackarg {
	const char	*name, *alias;
	struct strv	 st;
};

static void
stack_rec(char **f, const char *line, void *arg)
{
	struct stackarg *a = arg;
	(void)line;

	if (strcmp(f[2], a->name) != 0 || strcmp(f[3], a->alias) != 0)
		return;
	if (strcmp(f[1], "promote") == 0)
		strv_push(&a->st, f[5]);
	else if (strcmp(f[1], "rollback") == 0)
		strv_pop(&a->st);
}

static int
cmd_rollback(int argc, char **argv)
{
	struct stackarg a = { 0 };
	struct bundle *b;
	char cur[NAME_MAX_LEN + 1], p[PATH_MAX], *to;

	if (argc != 1)
		usage(EX_USAGE);
	if (valid_name(argv[0]) == -1)
		errx(EX_USAGE, "'%s': not a model name", argv[0]);
	check_alias();
	a.name = argv[0];
	a.alias = alias_name();
	lock_registry(1, 0);
	load_pubkey();
	if (holder(a.name, a.alias, cur) == 0)
		errx(EX_NOINPUT, "%s: no alias '%s' in %s", a.name, a.alias,
		    o.dir);
	hist_read(stack_rec, &a);
	if (a.st.n == 0 || strcmp(a.st.v[a.st.n - 1], cur) != 0)
		errx(EX_SOFTWARE, "%s/%s/%s: the link says %s but the history "
		    "says %s", o.dir, a.name, a.alias, cur,
		    a.st.n ? a.st.v[a.st.n - 1] : "nothing was promoted");
	if (a.st.n < 2)
		errx(EX_UNAVAILABLE, "%s: '%s' has had no other holder than "
		    "%s@%s", a.name, a.alias, a.name, cur);
	to = a.st.v[a.st.n - 2];
	b = load_stored(a.name, to, p);
	bundle_free(&b);
	flip(a.name, a.alias, to);
	hist_append("rollback", a.name, a.alias, cur, to, o.why, NULL);
	printf("%s: %s@%s -> %s@%s\n", a.alias, a.name, cur, a.name, to);
	strv_free(&a.st);
	optx_stdout();
	return EX_OK;
}

struct histarg {
	const char	*name, *alias;
};

static void
hist_print(char **f, const char *line, void *arg)
{
	struct histarg *a = arg;
	int i;
	(void)line;

	if ((a->name != NULL && strcmp(f[2], a->name) != 0) ||
	    (a->alias != NULL && strcmp(f[3], a->alias) != 0))
		return;
	for (i = 0; i < HIST_FIELDS; i++)
		printf("%s%c", f[i], i == HIST_FIELDS - 1 ? '\n' : '\t');
}

static int
cmd_history(int argc, char **argv)
{
	struct histarg a = { NULL, o.alias };

	if (argc > 1)
		usage(EX_USAGE);
	if (argc == 1) {
		if (valid_name(argv[0]) == -1)
			errx(EX_USAGE, "'%s': not a model name", argv[0]);
		a.name = argv[0];
	}
	if (o.alias != NULL)
		check_alias();
	lock_registry(0, 0);
	hist_read(hist_print, &a);
	optx_stdout();
	return EX_OK;
}

/*
 * verify: every stored bundle loads (digest, signature by the trusted key
 * if one is pinned) and holds the name and version it is stored under;
 * every alias is a link of ours to a stored version; the history's holder
 * of each alias (promote pushes, rollback pops) is the one the link names.
 * One line a check; EX_DATAERR if any failed.
 */
static int
verify_name(const char *name)
{
	struct stackarg a = { 0 };
	struct bundle *b;
	struct dirent *de;
	struct strv vs = { 0 }, al = { 0 };
	char d[PATH_MAX], p[PATH_MAX], e[1024], v[NAME_MAX_LEN + 1];
	size_t i;
	int bad = 0, rc;
	DIR *dp;

	mkpath(d, "%s/%s/versions", o.dir, name);
	list_dir(d, 1, &vs);
	for (i = 0; i < vs.n; i++) {
		mkpath(p, "%s/%s" EXT, d, vs.v[i]);
		if ((b = bundle_load(p, have_pubkey ? pubkey : NULL, e,
		    sizeof(e))) == NULL) {
			printf("%s@%s: %s\n", name, vs.v[i], e);
			bad = 1;
			continue;
		}
		if (strcmp(b->name, name) != 0 ||
		    strcmp(b->version, vs.v[i]) != 0) {
			printf("%s@%s: %s holds %s@%s\n", name, vs.v[i], p,
			    b->name, b->version);
			bad = 1;
		} else
			printf("%s@%s: ok%s\n", name, vs.v[i], b->is_signed ?
			    (have_pubkey ? " (signed by the trusted key)" :
			    " (signed)") : " (unsigned)");
		bundle_free(&b);
	}
	mkpath(d, "%s/%s", o.dir, name);
	if ((dp = opendir(d)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			mkpath(p, "%s/%s", d, de->d_name);
			if (de->d_name[0] != '.' &&
			    strcmp(de->d_name, "versions") != 0)
				strv_push(&al, de->d_name);
		}
		closedir(dp);
	}
	if (al.n > 1)
		qsort(al.v, al.n, sizeof(*al.v), cmpstr);
	for (i = 0; i < al.n; i++) {
		if ((rc = alias_holder(name, al.v[i], v)) != 1) {
			printf("%s/%s: not an alias link made by registry\n",
			    name, al.v[i]);
			bad = 1;
			continue;
		}
		mkpath(p, "%s/%s/versions/%s" EXT, o.dir, name, v);
		a.name = name;
		a.alias = al.v[i];
		hist_read(stack_rec, &a);
		if (access(p, F_OK) == -1) {
			printf("%s/%s -> %s: no such version\n", name, al.v[i],
			    v);
			bad = 1;
		} else if (a.st.n == 0 || strcmp(a.st.v[a.st.n - 1], v) != 0) {
			printf("%s/%s -> %s: the history says %s\n", name,
			    al.v[i], v, a.st.n ? a.st.v[a.st.n - 1] :
			    "nothing was promoted");
			bad = 1;
		} else
			printf("%s/%s -> %s: ok, as the history says\n", name,
			    al.v[i], v);
		strv_free(&a.st);
	}
	strv_free(&vs);
	strv_free(&al);
	return bad;
}

static int
cmd_verify(int argc, char **argv)
{
	struct strv names = { 0 };
	size_t i;
	int bad = 0;

	if (argc > 1)
		usage(EX_USAGE);
	if (argc == 1 && valid_name(argv[0]) == -1)
		errx(EX_USAGE, "'%s': not a model name", argv[0]);
	lock_registry(0, 0);
	load_pubkey();
	if (argc == 1)
		strv_push(&names, argv[0]);
	else
		list_dir(o.dir, 0, &names);
	for (i = 0; i < names.n; i++)
		bad |= verify_name(names.v[i]);
	strv_free(&names);
	optx_stdout();
	return bad ? EX_DATAERR : EX_OK;
}
