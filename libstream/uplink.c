/*
 * uplink -- the two transports of uplink.h.  ZeroMQ: a DEALER on the
 * device, a ROUTER on the gateway; one batch a message, one ack frame a
 * reply.  The DEALER sets ZMQ_IMMEDIATE, so a send with no gateway
 * connected fails at once instead of queueing into a pipe that a dying
 * connection would discard, and heartbeats, so a gateway that vanished
 * without closing its TCP connection is noticed in seconds.  The
 * directory: durable files named by batch id, polled.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "durable.h"
#include "opt.h"
#include "uplink.h"
#include "uplink_mqtt.h"

enum { U_DIR, U_ZMQ, U_MQTT };

struct uplink {
	int		 type;
	int		 gateway;
	char		*uri;
	/* dir: */
	char		*path;
	uint8_t		(*pend)[BATCH_ID_LEN];	/* device: sent, no ack yet */
	size_t		 npend, cappend;
	char		 cur[BATCH_HEX_LEN + 7];	/* gateway: HEX.batch */
	char		*data;			/* gateway: its bytes */
	/* zmq: */
	void		*ctx, *sock;
	int		 bind;
	char		*addr;
	struct buf	 ident;			/* gateway: the last peer */
	zmq_msg_t	 msg;
	int		 have_msg;
	struct buf	 ack;
	/* mqtt: */
	struct mqtt	*mq;
	struct buf	 in;			/* the message received */
};

static int
fail(char *err, size_t errlen, const char *fmt, const char *a,
    const char *b)
{
	snprintf(err, errlen, fmt, a, b);
	return -1;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Parse uri for side (ZMQ_DEALER or ZMQ_ROUTER) into u. */
static int
parse(struct uplink *u, const char *uri, int side, char *err, size_t errlen)
{
	const char *p = uri, *name = side == ZMQ_DEALER ? "dealer" : "router";
	size_t n = strlen(name);

	if (strncmp(uri, "dir:", 4) == 0) {
		if (uri[4] == '\0') {
			errno = EINVAL;
			return fail(err, errlen, "%s: no directory after dir:%s",
			    uri, "");
		}
		u->type = U_DIR;
		return (u->path = strdup(uri + 4)) == NULL ? -1 : 0;
	}
	if (strncmp(p, name, n) == 0)
		p += n;
	u->bind = side == ZMQ_ROUTER;
	if (*p == '@' || *p == '>')
		u->bind = *p++ == '@';
	if (strncmp(p, "tcp://", 6) != 0 && strncmp(p, "ipc://", 6) != 0 &&
	    strncmp(p, "inproc://", 9) != 0) {
		errno = EINVAL;
		return fail(err, errlen, "%s: expected dir:PATH or "
		    "[%s](@|>)tcp:// or ipc://", uri, name);
	}
	u->type = U_ZMQ;
	return (u->addr = strdup(p)) == NULL ? -1 : 0;
}

static int
zopen(struct uplink *u, int side, char *err, size_t errlen)
{
	int zero = 0, one = 1, ivl = 100, ivlmax = 5000, hb = 1000,
	    hbto = 5000, hwm = 64;
	int64_t maxmsg = ((int64_t)1 << 30) + (1 << 20);

	if ((u->sock = zmq_socket(u->ctx, side)) == NULL)
		return fail(err, errlen, "%s: zmq_socket: %s", u->uri,
		    zmq_strerror(errno));
	zmq_setsockopt(u->sock, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(u->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
	zmq_setsockopt(u->sock, ZMQ_RECONNECT_IVL_MAX, &ivlmax,
	    sizeof(ivlmax));
	zmq_setsockopt(u->sock, ZMQ_HEARTBEAT_IVL, &hb, sizeof(hb));
	zmq_setsockopt(u->sock, ZMQ_HEARTBEAT_TIMEOUT, &hbto, sizeof(hbto));
	zmq_setsockopt(u->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	if (side == ZMQ_DEALER)
		zmq_setsockopt(u->sock, ZMQ_IMMEDIATE, &one, sizeof(one));
	else	/* a batch is at most --batch-bytes (1 GiB) and a header */
		zmq_setsockopt(u->sock, ZMQ_MAXMSGSIZE, &maxmsg,
		    sizeof(maxmsg));
	if ((u->bind ? zmq_bind(u->sock, u->addr) :
	    zmq_connect(u->sock, u->addr)) == -1) {
		fail(err, errlen, "%s: %s", u->uri, zmq_strerror(errno));
		errno = EADDRNOTAVAIL;
		return -1;
	}
	return 0;
}

static struct uplink *
open_side(const char *uri, const struct uplink_conf *conf, int side,
    char *err, size_t errlen)
{
	struct uplink *u;
	struct stat st;
	char sub[4096];
	int r, e;

	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (u->uri = strdup(uri)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", uri);
		goto fail;
	}
	u->gateway = side == ZMQ_ROUTER;
	if (strncmp(uri, "mqtt://", 7) == 0 || strncmp(uri, "mqtts://",
	    8) == 0) {
		u->type = U_MQTT;
		if ((u->mq = mqtt_open(uri, conf, u->gateway, err,
		    errlen)) == NULL)
			goto fail;
		return u;
	}
	if (parse(u, uri, side, err, errlen) == -1)
		goto fail;
	if (u->type == U_DIR) {
		if ((r = stat(u->path, &st)) == 0 && !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			r = -1;
		}
		if (r == -1) {
			snprintf(err, errlen, "%s: %s", u->path,
			    strerror(errno));
			goto fail;
		}
		snprintf(sub, sizeof(sub), "%s/bad", u->path);
		if (u->gateway && durable_mkdirs(sub, err, errlen) == -1)
			goto fail;
		return u;
	}
	if ((u->ctx = zmq_ctx_new()) == NULL) {
		snprintf(err, errlen, "%s: zmq_ctx_new: %s", uri,
		    zmq_strerror(errno));
		goto fail;
	}
	if (zopen(u, side, err, errlen) == -1)
		goto fail;
	return u;
fail:
	e = errno;
	uplink_close(&u);
	errno = e;
	return NULL;
}

int
uplink_option(struct uplink_conf *c, int ch, const char *arg, char *err,
    size_t errlen)
{
	const char *why;
	int64_t v;

	switch (ch) {
	case UPLINK_OPT_CA:
		c->ca = arg;
		return 1;
	case UPLINK_OPT_CERT:
		c->cert = arg;
		return 1;
	case UPLINK_OPT_CLIENT_ID:
		c->client_id = arg;
		return 1;
	case UPLINK_OPT_ID:
		c->id = arg;
		return 1;
	case UPLINK_OPT_KEEPALIVE:
		if ((why = opt_i64(arg, 5, 3600, &v)) != NULL) {
			snprintf(err, errlen, "--mqtt-keepalive: %s", why);
			return -1;
		}
		c->keepalive = (int)v;
		return 1;
	case UPLINK_OPT_KEY:
		c->key = arg;
		return 1;
	case UPLINK_OPT_PASSWORD:
		c->password = arg;
		return 1;
	case UPLINK_OPT_REPLY:
		c->reply_topic = arg;
		return 1;
	case UPLINK_OPT_TOPIC:
		c->topic = arg;
		return 1;
	case UPLINK_OPT_USER:
		c->user = arg;
		return 1;
	}
	return 0;
}

struct uplink *
uplink_open(const char *uri, const struct uplink_conf *conf, char *err,
    size_t errlen)
{
	return open_side(uri, conf, ZMQ_DEALER, err, errlen);
}

struct uplink *
uplink_listen(const char *uri, const struct uplink_conf *conf, char *err,
    size_t errlen)
{
	return open_side(uri, conf, ZMQ_ROUTER, err, errlen);
}

int
uplink_is_dir(const struct uplink *u)
{
	return u->type == U_DIR;
}

void
uplink_close(struct uplink **up)
{
	struct uplink *u;

	if (up == NULL || (u = *up) == NULL)
		return;
	mqtt_close(&u->mq);
	buf_free(&u->in);
	if (u->have_msg)
		zmq_msg_close(&u->msg);
	if (u->sock != NULL)
		zmq_close(u->sock);
	if (u->ctx != NULL)
		zmq_ctx_term(u->ctx);
	free(u->uri);
	free(u->path);
	free(u->addr);
	free(u->pend);
	free(u->data);
	buf_free(&u->ident);
	buf_free(&u->ack);
	free(u);
	*up = NULL;
}

/* ---- device side ---------------------------------------------------- */

int
uplink_send(struct uplink *u, const uint8_t id[BATCH_ID_LEN], const char *p,
    size_t n, char *err, size_t errlen)
{
	char name[BATCH_HEX_LEN + 7];
	void *q;
	size_t i;

	if (u->type == U_MQTT)
		return mqtt_send(u->mq, p, n, err, errlen);
	if (u->type == U_ZMQ) {
		if (zmq_send(u->sock, p, n, ZMQ_DONTWAIT) == -1)
			return fail(err, errlen, "%s: %s", u->uri, errno ==
			    EAGAIN ? "no gateway connected" :
			    zmq_strerror(errno));
		return 0;
	}
	batch_hex(id, name);
	strcat(name, ".batch");
	if (durable_write(u->path, name, p, n, err, errlen) == -1)
		return -1;
	for (i = 0; i < u->npend; i++)
		if (memcmp(u->pend[i], id, BATCH_ID_LEN) == 0)
			return 0;
	if (u->npend == u->cappend) {
		if ((q = realloc(u->pend, (u->cappend ? 2 * u->cappend : 16) *
		    BATCH_ID_LEN)) == NULL)
			return fail(err, errlen, "%s: %s", u->uri,
			    "out of memory");
		u->pend = q;
		u->cappend = u->cappend ? 2 * u->cappend : 16;
	}
	memcpy(u->pend[u->npend++], id, BATCH_ID_LEN);
	return 0;
}

static int
ack_out(const char *p, size_t n, uint8_t id[BATCH_ID_LEN],
    enum ack_status *st, char *reason, size_t rlen)
{
	const char *why;
	size_t wl;

	if (batch_ack_decode(p, n, id, st, &why, &wl) == -1)
		return -1;
	if (rlen) {
		if (wl >= rlen)
			wl = rlen - 1;
		memcpy(reason, why ? why : "", why ? wl : 0);
		reason[why ? wl : 0] = '\0';
	}
	return 1;
}

/* dir: the first pending batch with an ack file.  1, 0 none, -1 bad. */
static int
dir_ack(struct uplink *u, uint8_t id[BATCH_ID_LEN], enum ack_status *st,
    char *reason, size_t rlen, char *err, size_t errlen)
{
	char hex[BATCH_HEX_LEN + 1], path[4096], *p;
	size_t i, n;
	int r;

	for (i = 0; i < u->npend; i++) {
		batch_hex(u->pend[i], hex);
		snprintf(path, sizeof(path), "%s/%s.ack", u->path, hex);
		if (access(path, F_OK) == -1)
			continue;
		if (durable_read(path, 65536, &p, &n, err, errlen) == -1)
			return -1;
		r = ack_out(p, n, id, st, reason, rlen);
		free(p);
		unlink(path);
		if (r == 1 && memcmp(id, u->pend[i], BATCH_ID_LEN) != 0)
			r = -1;
		memmove(u->pend[i], u->pend[i + 1], (u->npend - i - 1) *
		    BATCH_ID_LEN);
		u->npend--;
		if (r == -1)
			return fail(err, errlen, "%s: %s", path,
			    "not an ack frame for this batch");
		return 1;
	}
	return 0;
}

int
uplink_recv(struct uplink *u, int ms, uint8_t id[BATCH_ID_LEN],
    enum ack_status *st, char *reason, size_t rlen, char *err, size_t errlen)
{
	zmq_pollitem_t pi;
	zmq_msg_t m;
	int r;

	if (u->type == U_MQTT) {
		if ((r = mqtt_recv(u->mq, ms, &u->in, err, errlen)) != 1)
			return r;
		if (ack_out(u->in.p, u->in.len, id, st, reason, rlen) == -1)
			return fail(err, errlen, "%s: %s", u->uri,
			    "a message that is not an ack frame");
		return 1;
	}
	if (u->type == U_DIR) {
		if ((r = dir_ack(u, id, st, reason, rlen, err, errlen)) != 0)
			return r;
		sleep_ms(ms);
		return dir_ack(u, id, st, reason, rlen, err, errlen);
	}
	pi.socket = u->sock;
	pi.fd = -1;
	pi.events = ZMQ_POLLIN;
	pi.revents = 0;
	if (zmq_poll(&pi, 1, ms) <= 0 || !(pi.revents & ZMQ_POLLIN))
		return 0;
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, u->sock, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(&m);
		return 0;
	}
	r = ack_out(zmq_msg_data(&m), zmq_msg_size(&m), id, st, reason, rlen);
	zmq_msg_close(&m);
	if (r == -1)
		return fail(err, errlen, "%s: %s", u->uri,
		    "a message that is not an ack frame");
	return 1;
}

int
uplink_reconnect(struct uplink *u, char *err, size_t errlen)
{
	if (u->type != U_ZMQ)
		return 0;
	zmq_close(u->sock);
	u->sock = NULL;
	return zopen(u, ZMQ_DEALER, err, errlen);
}

/* ---- gateway side --------------------------------------------------- */

static int
is_batch_name(const char *s)
{
	uint8_t id[BATCH_ID_LEN];

	return strlen(s) == BATCH_HEX_LEN + 6 &&
	    strcmp(s + BATCH_HEX_LEN, ".batch") == 0 &&
	    batch_unhex(s, id) == 0;
}

static int
dir_next(struct uplink *u, const char **p, size_t *n,
    uint8_t name_id[BATCH_ID_LEN], char *err, size_t errlen)
{
	struct dirent *de;
	char path[4096];
	DIR *d;
	int found = 0;

	if ((d = opendir(u->path)) == NULL)
		return fail(err, errlen, "%s: %s", u->path, strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (is_batch_name(de->d_name)) {
			snprintf(u->cur, sizeof(u->cur), "%s", de->d_name);
			found = 1;
			break;
		}
	closedir(d);
	if (!found)
		return 0;
	free(u->data);
	u->data = NULL;
	snprintf(path, sizeof(path), "%s/%s", u->path, u->cur);
	if (durable_read(path, (size_t)1 << 31, &u->data, n, err,
	    errlen) == -1)
		return errno == ENOENT ? 0 : -1;
	*p = u->data;
	batch_unhex(u->cur, name_id);
	return 1;
}

int
uplink_next(struct uplink *u, int ms, const char **p, size_t *n,
    uint8_t name_id[BATCH_ID_LEN], char *err, size_t errlen)
{
	zmq_pollitem_t pi;
	zmq_msg_t m;
	int r, more;
	size_t ml = sizeof(more);

	memset(name_id, 0, BATCH_ID_LEN);
	if (u->type == U_MQTT) {
		if ((r = mqtt_recv(u->mq, ms, &u->in, err, errlen)) != 1)
			return r;
		*p = u->in.p;
		*n = u->in.len;
		return 1;
	}
	if (u->type == U_DIR) {
		if ((r = dir_next(u, p, n, name_id, err, errlen)) != 0)
			return r;
		sleep_ms(ms);
		return dir_next(u, p, n, name_id, err, errlen);
	}
	if (u->have_msg) {
		zmq_msg_close(&u->msg);
		u->have_msg = 0;
	}
	pi.socket = u->sock;
	pi.fd = -1;
	pi.events = ZMQ_POLLIN;
	pi.revents = 0;
	if (zmq_poll(&pi, 1, ms) <= 0 || !(pi.revents & ZMQ_POLLIN))
		return 0;
	/* [identity, batch]: anything else is read whole and ignored */
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, u->sock, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(&m);
		return 0;
	}
	buf_reset(&u->ident);
	buf_append(&u->ident, zmq_msg_data(&m), zmq_msg_size(&m));
	zmq_msg_close(&m);
	zmq_msg_init(&u->msg);
	u->have_msg = 1;
	if (zmq_msg_recv(&u->msg, u->sock, 0) == -1)
		return fail(err, errlen, "%s: %s", u->uri,
		    zmq_strerror(errno));
	zmq_getsockopt(u->sock, ZMQ_RCVMORE, &more, &ml);
	while (more) {
		zmq_msg_init(&m);
		zmq_msg_recv(&m, u->sock, 0);
		zmq_msg_close(&m);
		zmq_getsockopt(u->sock, ZMQ_RCVMORE, &more, &ml);
	}
	*p = zmq_msg_data(&u->msg);
	*n = zmq_msg_size(&u->msg);
	return 1;
}

int
uplink_answer(struct uplink *u, const uint8_t id[BATCH_ID_LEN],
    enum ack_status st, const char *reason, char *err, size_t errlen)
{
	char name[BATCH_HEX_LEN + 5], path[4096];

	buf_reset(&u->ack);
	if (batch_ack_encode(&u->ack, id, st, reason) == -1)
		return fail(err, errlen, "%s: %s", u->uri, "out of memory");
	if (u->type == U_MQTT)
		return mqtt_reply(u->mq, u->ack.p, u->ack.len, err, errlen);
	if (u->type == U_ZMQ) {
		/* a peer gone since is not an error: it will send again */
		if (zmq_send(u->sock, u->ident.p, u->ident.len,
		    ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1 ||
		    zmq_send(u->sock, u->ack.p, u->ack.len, ZMQ_DONTWAIT) == -1)
			return 0;
		return 0;
	}
	batch_hex(id, name);
	strcat(name, ".ack");
	if (durable_write(u->path, name, u->ack.p, u->ack.len, err,
	    errlen) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", u->path, u->cur);
	if (unlink(path) == -1 && errno != ENOENT)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	return 0;
}

int
uplink_set_aside(struct uplink *u, char *err, size_t errlen)
{
	char from[4096], to[4200];

	if (u->type != U_DIR)
		return 0;
	snprintf(from, sizeof(from), "%s/%s", u->path, u->cur);
	snprintf(to, sizeof(to), "%s/bad/%s", u->path, u->cur);
	if (rename(from, to) == -1 && errno != ENOENT)
		return fail(err, errlen, "%s: %s", from, strerror(errno));
	return 0;
}
