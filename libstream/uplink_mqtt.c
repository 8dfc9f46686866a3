/*
 * uplink_mqtt -- MQTT for the uplink, through libmosquitto (uplink_mqtt.h).
 * The network loop runs in the caller's thread: mqtt_recv() turns
 * mosquitto_loop() for up to ms, and the message callback copies each
 * message into a small queue that mqtt_recv() hands out one at a time.
 * When the connection is down, mqtt_recv() makes it again on its own
 * schedule and sleeps in between.  Errors are reported once each: the log
 * callback keeps libmosquitto's last error line (OpenSSL's reason for a
 * failed handshake is only there), and a message is returned only when it
 * differs from the last one returned.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "mono.h"
#include "uplink_mqtt.h"

#define QMAX	64		/* messages held between two mqtt_recv() */

struct qmsg {
	char		*topic;
	struct buf	 b;
};

struct mqtt {
	struct mosquitto *m;
	int		 gateway, tls, port, keepalive;
	char		*uri, *host, *topic, *reply_tmpl;
	int		 connected, connecting, called;
	unsigned	 tries;		/* attempts since the last CONNACK */
	double		 next_try;
	uint64_t	 rng;
	struct qmsg	 q[QMAX];
	unsigned	 qhead, qlen;
	char		*cur_topic;	/* gateway: topic of the last batch */
	size_t		 cur_cap;
	struct buf	 reply;		/* the reply topic, built */
	char		 log[512];	/* libmosquitto's last error line */
	char		 why[768];	/* the current error */
	char		 told[768];	/* the last error returned */
};

static int	 lib_ready;

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

/* Template t with every "{id}" replaced by id, into b (NUL-terminated). */
static int
expand(struct buf *b, const char *t, const char *id, size_t idlen)
{
	const char *p;

	buf_reset(b);
	while ((p = strstr(t, "{id}")) != NULL) {
		if (buf_append(b, t, (size_t)(p - t)) == -1 ||
		    buf_append(b, id, idlen) == -1)
			return -1;
		t = p + 4;
	}
	return buf_append(b, t, strlen(t) + 1);
}

/* The next connection attempt: after a wait doubling from 0.1 s to 30 s
 * with the attempts since the last success, drawn from half to all of it. */
static void
schedule(struct mqtt *q)
{
	unsigned k = q->tries ? q->tries - 1 : 0;
	double d = 0.1 * (double)(1u << (k > 9 ? 9 : k));

	if (d > 30)
		d = 30;
	q->rng = q->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	q->next_try = mono_now() + d * (0.5 + 0.5 * (double)(q->rng >> 11) /
	    9007199254740992.0);
}

/* The connection went down (rc: libmosquitto's code): say why, once. */
static void
lost(struct mqtt *q, int rc)
{
	if (q->why[0] != '\0')
		;
	else if (q->log[0] != '\0')
		snprintf(q->why, sizeof(q->why), "%s: %s: %s", q->uri,
		    q->connecting ? "refused while connecting" :
		    "connection lost", q->log);
	else if (q->connecting)
		snprintf(q->why, sizeof(q->why), "%s: the broker closed the "
		    "connection before accepting it%s", q->uri, q->tls ?
		    " (TLS: a client certificate it does not accept? its log "
		    "says why)" : "");
	else
		snprintf(q->why, sizeof(q->why), "%s: connection lost: %s",
		    q->uri, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
		    mosquitto_strerror(rc));
	if (q->connected || q->connecting)
		schedule(q);
	q->connected = q->connecting = 0;
}

static void
on_log(struct mosquitto *m, void *arg, int level, const char *s)
{
	struct mqtt *q = arg;

	(void)m;
	if (getenv("PDM_MQTT_DEBUG"))
		fprintf(stderr, "mqtt log %d: %s\n", level, s);
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		snprintf(q->log, sizeof(q->log), "%s", s);
}

static void
on_connect(struct mosquitto *m, void *arg, int rc)
{
	struct mqtt *q = arg;

	q->connecting = 0;
	if (rc != 0) {
		snprintf(q->why, sizeof(q->why), "%s: the broker refused the "
		    "connection: %s", q->uri, mosquitto_connack_string(rc));
		mosquitto_disconnect(m);
		schedule(q);
		return;
	}
	q->connected = 1;
	q->tries = 0;
	q->why[0] = q->told[0] = '\0';
	/* the session keeps it, but a broker that lost its state does not */
	mosquitto_subscribe(m, NULL, q->gateway ? q->topic : q->reply.p, 1);
}

static void
on_disconnect(struct mosquitto *m, void *arg, int rc)
{
	struct mqtt *q = arg;

	(void)m;
	if (rc != 0)
		lost(q, rc);
	else {
		if (q->connected || q->connecting)
			schedule(q);
		q->connected = q->connecting = 0;
	}
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct mqtt *q = arg;
	struct qmsg *e;

	(void)m;
	if (q->qlen == QMAX)		/* not read yet: it will come again */
		return;
	e = &q->q[(q->qhead + q->qlen) % QMAX];
	buf_reset(&e->b);
	free(e->topic);
	if ((e->topic = strdup(msg->topic)) == NULL ||
	    buf_append(&e->b, msg->payload, (size_t)msg->payloadlen) == -1)
		return;
	q->qlen++;
}

/* Parse mqtt[s]://host[:port][/] into q. */
static int
parse(struct mqtt *q, const char *uri, char *err, size_t errlen)
{
	const char *h, *c, *end;
	char *e;
	long port;

	if (strncmp(uri, "mqtt://", 7) == 0)
		h = uri + 7;
	else if (strncmp(uri, "mqtts://", 8) == 0) {
		h = uri + 8;
		q->tls = 1;
	} else
		goto bad;
	end = h + strcspn(h, "/");
	if (*end == '/' && end[1] != '\0')
		goto bad;		/* topics are options, not the path */
	c = memchr(h, ':', (size_t)(end - h));
	q->port = q->tls ? 8883 : 1883;
	if (c != NULL) {
		port = strtol(c + 1, &e, 10);
		if (e != end || port < 1 || port > 65535)
			goto bad;
		q->port = (int)port;
	} else
		c = end;
	if (c == h || (q->host = strndup(h, (size_t)(c - h))) == NULL)
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	snprintf(err, errlen, "%s: expected mqtt://host[:port] or "
	    "mqtts://host[:port]", uri);
	return -1;
}

struct mqtt *
mqtt_open(const char *uri, const struct uplink_conf *c, int gateway,
    char *err, size_t errlen)
{
	static const struct uplink_conf none;
	struct mqtt *q;
	struct buf cid = BUF_INIT;
	char host[256];
	const char *id;
	int rc, e;

	if (c == NULL)
		c = &none;
	if (!lib_ready) {
		mosquitto_lib_init();
		lib_ready = 1;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->uri = strdup(uri)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", uri);
		goto fail;
	}
	q->gateway = gateway;
	if (parse(q, uri, err, errlen) == -1)
		goto fail;
	if ((id = c->id) == NULL) {
		if (gethostname(host, sizeof(host)) == -1)
			snprintf(host, sizeof(host), "unknown");
		host[sizeof(host) - 1] = '\0';
		id = host;
	}
	if (strchr(id, '/') || strchr(id, '+') || strchr(id, '#')) {
		errno = EINVAL;
		snprintf(err, errlen, "%s: the id '%s' holds /, + or #", uri,
		    id);
		goto fail;
	}
	q->keepalive = c->keepalive > 0 ? c->keepalive : 10;
	q->reply_tmpl = strdup(c->reply_topic ? c->reply_topic :
	    "pdm/ack/{id}");
	if (gateway)
		q->topic = strdup(c->topic ? c->topic :
		    "$share/collect/pdm/batch/+");
	else {
		struct buf t = BUF_INIT;

		if (expand(&t, c->topic ? c->topic : "pdm/batch/{id}", id,
		    strlen(id)) == -1 || expand(&q->reply, q->reply_tmpl, id,
		    strlen(id)) == -1) {
			buf_free(&t);
			snprintf(err, errlen, "%s: out of memory", uri);
			goto fail;
		}
		q->topic = t.p;
	}
	if (q->topic == NULL || q->reply_tmpl == NULL ||
	    expand(&cid, c->client_id ? c->client_id : gateway ?
	    "pdm-collect-{id}" : "pdm-sample-upload-{id}", id,
	    strlen(id)) == -1) {
		snprintf(err, errlen, "%s: out of memory", uri);
		goto fail;
	}
	if ((q->m = mosquitto_new(cid.p, false, q)) == NULL) {
		snprintf(err, errlen, "%s: mosquitto_new: %s", uri,
		    strerror(errno));
		goto fail;
	}
	mosquitto_log_callback_set(q->m, on_log);
	mosquitto_connect_callback_set(q->m, on_connect);
	mosquitto_disconnect_callback_set(q->m, on_disconnect);
	mosquitto_message_callback_set(q->m, on_message);
	if ((c->user != NULL || c->password != NULL) &&
	    (rc = mosquitto_username_pw_set(q->m, c->user,
	    c->password)) != MOSQ_ERR_SUCCESS) {
		errno = EINVAL;
		snprintf(err, errlen, "%s: user name and password: %s", uri,
		    mosquitto_strerror(rc));
		goto fail;
	}
	if (q->tls) {
		if ((c->cert == NULL) != (c->key == NULL)) {
			errno = EINVAL;
			snprintf(err, errlen, "%s: a client certificate needs "
			    "its key, and a key its certificate", uri);
			goto fail;
		}
		if (c->ca == NULL)
			mosquitto_int_option(q->m, MOSQ_OPT_TLS_USE_OS_CERTS,
			    1);
		if ((rc = mosquitto_tls_set(q->m, c->ca, NULL, c->cert,
		    c->key, NULL)) != MOSQ_ERR_SUCCESS ||
		    (rc = mosquitto_tls_opts_set(q->m, 1, NULL,
		    NULL)) != MOSQ_ERR_SUCCESS) {
			errno = rc == MOSQ_ERR_INVAL ? ENOENT : EINVAL;
			snprintf(err, errlen, "%s: TLS files (CA %s, "
			    "certificate %s, key %s): %s", uri,
			    c->ca ? c->ca : "the system's", c->cert ? c->cert :
			    "none", c->key ? c->key : "none",
			    rc == MOSQ_ERR_INVAL ? "cannot be read" :
			    mosquitto_strerror(rc));
			goto fail;
		}
	} else if (c->ca || c->cert || c->key) {
		errno = EINVAL;
		snprintf(err, errlen, "%s: CA, certificate and key need "
		    "mqtts://", uri);
		goto fail;
	}
	q->rng = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)(mono_now() * 1e9);
	buf_free(&cid);
	return q;
fail:
	e = errno;
	buf_free(&cid);
	mqtt_close(&q);
	errno = e;
	return NULL;
}

void
mqtt_close(struct mqtt **qp)
{
	struct mqtt *q;
	unsigned i;

	if (qp == NULL || (q = *qp) == NULL)
		return;
	if (q->m != NULL) {
		if (q->connected)
			mosquitto_disconnect(q->m);
		mosquitto_destroy(q->m);
	}
	for (i = 0; i < QMAX; i++) {
		free(q->q[i].topic);
		buf_free(&q->q[i].b);
	}
	free(q->uri);
	free(q->host);
	free(q->topic);
	free(q->reply_tmpl);
	free(q->cur_topic);
	buf_free(&q->reply);
	free(q);
	*qp = NULL;
}

/* Connect (again); on failure, schedule the next try. */
static void
connect_now(struct mqtt *q)
{
	int rc;

	q->log[0] = '\0';
	q->tries++;
	rc = q->called ? mosquitto_reconnect(q->m) :
	    mosquitto_connect(q->m, q->host, q->port, q->keepalive);
	if (rc == MOSQ_ERR_SUCCESS) {
		q->called = 1;
		q->connecting = 1;	/* the CONNACK decides */
		return;
	}
	if (rc == MOSQ_ERR_ERRNO && q->tls && q->log[0] == '\0' &&
	    (errno == EPROTO || errno == ECONNRESET || errno == EPIPE)) {
		/* TLS done, the CONNECT refused by an alert not yet read */
		q->connecting = 1;
		lost(q, rc);
		return;
	}
	if (rc == MOSQ_ERR_ERRNO)
		snprintf(q->why, sizeof(q->why), "%s: %s", q->uri,
		    strerror(errno));
	else if (rc == MOSQ_ERR_TLS)
		snprintf(q->why, sizeof(q->why), "%s: TLS handshake failed%s%s",
		    q->uri, q->log[0] ? ": " : "", q->log);
	else if (q->log[0] == '\0' && (rc == MOSQ_ERR_PROTOCOL ||
	    rc == MOSQ_ERR_CONN_LOST)) {
		q->connecting = 1;	/* closed while connecting: say so */
		lost(q, rc);
		return;
	} else
		snprintf(q->why, sizeof(q->why), "%s: %s%s%s", q->uri,
		    mosquitto_strerror(rc), q->log[0] ? ": " : "", q->log);
	schedule(q);
}

/* A new error to say?  -1 and err set, or 0. */
static int
tell(struct mqtt *q, char *err, size_t errlen)
{
	if (q->why[0] == '\0' || strcmp(q->why, q->told) == 0)
		return 0;
	snprintf(q->told, sizeof(q->told), "%s", q->why);
	snprintf(err, errlen, "%s", q->why);
	return -1;
}

static int
pop(struct mqtt *q, struct buf *msg)
{
	struct qmsg *e = &q->q[q->qhead];
	size_t n;

	buf_reset(msg);
	if (buf_append(msg, e->b.p, e->b.len) == -1)
		return -1;
	if (q->gateway) {
		n = strlen(e->topic) + 1;
		if (n > q->cur_cap) {
			free(q->cur_topic);
			if ((q->cur_topic = malloc(n)) == NULL) {
				q->cur_cap = 0;
				return -1;
			}
			q->cur_cap = n;
		}
		memcpy(q->cur_topic, e->topic, n);
	}
	q->qhead = (q->qhead + 1) % QMAX;
	q->qlen--;
	return 1;
}

int
mqtt_recv(struct mqtt *q, int ms, struct buf *msg, char *err, size_t errlen)
{
	double now = mono_now(), until = now + ms / 1000.0;
	int rc;

	for (;;) {
		if (q->qlen)
			return pop(q, msg);
		if (tell(q, err, errlen) == -1)
			return -1;
		if (!q->connected && !q->connecting) {
			if (now >= q->next_try)
				connect_now(q);
			if (!q->connecting) {
				sleep_ms((int)((until - now) * 1000));
				return tell(q, err, errlen);
			}
		}
		rc = mosquitto_loop(q->m, (int)((until - now) * 1000), 1);
		if (rc != MOSQ_ERR_SUCCESS && (q->connected || q->connecting))
			lost(q, rc);
		now = mono_now();
		if (now >= until)
			return q->qlen ? pop(q, msg) : tell(q, err, errlen);
	}
}

int
mqtt_send(struct mqtt *q, const char *p, size_t n, char *err, size_t errlen)
{
	int rc;

	if (!q->connected) {
		snprintf(err, errlen, "%s: not connected", q->uri);
		return -1;
	}
	if ((rc = mosquitto_publish(q->m, NULL, q->topic, (int)n, p, 1,
	    false)) != MOSQ_ERR_SUCCESS) {
		snprintf(err, errlen, "%s: publish: %s", q->uri,
		    mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}

int
mqtt_reply(struct mqtt *q, const char *p, size_t n, char *err, size_t errlen)
{
	const char *id;
	int rc;

	if (q->cur_topic == NULL)
		return 0;
	id = strrchr(q->cur_topic, '/');
	id = id ? id + 1 : q->cur_topic;
	if (expand(&q->reply, q->reply_tmpl, id, strlen(id)) == -1) {
		snprintf(err, errlen, "%s: out of memory", q->uri);
		return -1;
	}
	/* not connected: the device sends the batch again, and gets this
	 * answer as a duplicate then */
	if ((rc = mosquitto_publish(q->m, NULL, q->reply.p, (int)n, p, 1,
	    false)) != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
		snprintf(err, errlen, "%s: publish to %s: %s", q->uri,
		    q->reply.p, mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}
