/*
 * uplink -- how batches travel from sample-upload to collect, and how
 * collect's acknowledgements travel back (docs/protocol.md "Batches",
 * docs/upload.md).  Two transports behind one string:
 *
 *   dir:PATH                 a directory both sides see (a mounted share):
 *                            the device writes PATH/ID.batch durably,
 *                            collect answers with PATH/ID.ack and removes
 *                            the batch file
 *   [dealer](@|>)tcp://...   ZeroMQ: the device's DEALER sends one batch a
 *   [router](@|>)tcp://...   message, collect's ROUTER answers each with
 *                            one ack frame; dealer connects and router
 *                            binds unless '@' or '>' says otherwise
 *   mqtt://host[:port]       MQTT through a broker (uplink_mqtt.h), QoS 1;
 *   mqtts://host[:port]      with TLS; topics and credentials in
 *                            struct uplink_conf
 *
 * The device side: uplink_open(), uplink_send(), uplink_recv() for acks,
 * uplink_reconnect() when acks stop coming.  The gateway side:
 * uplink_listen(), uplink_next() for the next batch, uplink_answer().
 *
 * Ownership: the uplink owns its socket and buffers; batches and acks
 * handed in are borrowed for the call; uplink_next()'s batch is valid until
 * the next call.  Nothing prints; -1 comes with a reason in err.
 */
#ifndef UPLINK_H
#define UPLINK_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"

struct uplink;

/* What MQTT needs beyond the uri (borrowed for the uplink's life; NULL
 * members take the defaults shown). */
struct uplink_conf {
	const char	*id;		/* {id} in topics: hostname */
	const char	*topic;		/* device: "pdm/batch/{id}"; gateway:
					   "$share/collect/pdm/batch/+" */
	const char	*reply_topic;	/* "pdm/ack/{id}" */
	const char	*client_id;	/* "pdm-sample-upload-{id}",
					   "pdm-collect-{id}" */
	const char	*ca, *cert, *key;	/* PEM files (TLS) */
	const char	*user, *password;
	int		 keepalive;	/* seconds: 10 */
};

/*
 * The --mqtt-* options of the programs that speak MQTT (sample-upload,
 * collect), into a uplink_conf: UPLINK_LONGOPTS goes in the getopt_long()
 * table, uplink_option() takes one.  1: taken (arg borrowed for conf's
 * life); 0: not one of them; -1: a bad value, why in err
 * ("--mqtt-keepalive: '3' is not a whole number from 5 to 3600").
 */
enum {
	UPLINK_OPT_CA = 0x1800, UPLINK_OPT_CERT, UPLINK_OPT_CLIENT_ID,
	UPLINK_OPT_ID, UPLINK_OPT_KEEPALIVE, UPLINK_OPT_KEY,
	UPLINK_OPT_PASSWORD, UPLINK_OPT_REPLY, UPLINK_OPT_TOPIC,
	UPLINK_OPT_USER
};
#define UPLINK_LONGOPTS							\
	{ "mqtt-ca",		required_argument, NULL, UPLINK_OPT_CA }, \
	{ "mqtt-cert",		required_argument, NULL, UPLINK_OPT_CERT }, \
	{ "mqtt-client-id",	required_argument, NULL,		\
	    UPLINK_OPT_CLIENT_ID },					\
	{ "mqtt-id",		required_argument, NULL, UPLINK_OPT_ID }, \
	{ "mqtt-keepalive",	required_argument, NULL,		\
	    UPLINK_OPT_KEEPALIVE },					\
	{ "mqtt-key",		required_argument, NULL, UPLINK_OPT_KEY }, \
	{ "mqtt-password",	required_argument, NULL,		\
	    UPLINK_OPT_PASSWORD },					\
	{ "mqtt-reply-topic",	required_argument, NULL, UPLINK_OPT_REPLY }, \
	{ "mqtt-topic",		required_argument, NULL, UPLINK_OPT_TOPIC }, \
	{ "mqtt-user",		required_argument, NULL, UPLINK_OPT_USER }
int		 uplink_option(struct uplink_conf *, int ch, const char *arg,
		     char *err, size_t errlen);

/* Device side.  Caller owns: uplink_close().  NULL with why in err;
 * errno EINVAL for a malformed uri or configuration.  conf may be NULL. */
struct uplink	*uplink_open(const char *uri, const struct uplink_conf *conf,
		     char *err, size_t errlen);
/*
 * Hand a sealed batch to the transport.  0: sent (or written); -1: not
 * now (no peer connected, a full queue, a write error): try again later.
 */
int		 uplink_send(struct uplink *, const uint8_t id[BATCH_ID_LEN],
		     const char *p, size_t n, char *err, size_t errlen);
/*
 * Wait up to ms for an acknowledgement.  1: *st and id are set (reason,
 * NUL-terminated, for ACK_REFUSED); 0: none in time; -1: a message that is
 * not an ack (err says what; the next call reads on).
 */
int		 uplink_recv(struct uplink *, int ms, uint8_t id[BATCH_ID_LEN],
		     enum ack_status *st, char *reason, size_t rlen,
		     char *err, size_t errlen);
/* Drop the connection and make a new one (ZeroMQ; a no-op for dir: and
 * MQTT, which reconnects on its own schedule). */
int		 uplink_reconnect(struct uplink *, char *err, size_t errlen);

/* Gateway side.  Caller owns: uplink_close().  NULL with why in err. */
struct uplink	*uplink_listen(const char *uri, const struct uplink_conf *conf,
		     char *err, size_t errlen);
/*
 * Wait up to ms for the next batch: 1 and *p, *n set (valid until the next
 * call), and name_id set to the id its file name gives (dir:), or zeroes;
 * 0: none in time; -1: a transport error (err).
 */
int		 uplink_next(struct uplink *, int ms, const char **p, size_t *n,
		     uint8_t name_id[BATCH_ID_LEN], char *err, size_t errlen);
/* Answer the batch uplink_next() returned last.  0, or -1 (err). */
int		 uplink_answer(struct uplink *, const uint8_t id[BATCH_ID_LEN],
		     enum ack_status, const char *reason, char *err,
		     size_t errlen);
/* dir: move the batch uplink_next() returned last to PATH/bad/. */
int		 uplink_set_aside(struct uplink *, char *err, size_t errlen);

void		 uplink_close(struct uplink **);
int		 uplink_is_dir(const struct uplink *);

#endif
