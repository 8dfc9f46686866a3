/*
 * uplink_mqtt -- the MQTT transport of uplink.h, through libmosquitto
 * (docs/upload.md "MQTT").  Internal to libstream: programs use uplink.h.
 *
 * The device publishes each batch with QoS 1 to its batch topic and
 * subscribes to its ack topic; collect subscribes to the batch topics (a
 * shared subscription by default) and publishes each ack, QoS 1, to the
 * ack topic of the device the batch came from (the last level of the
 * batch's topic is the device's id).  Both keep a persistent session
 * (clean session off), so an ack published while the device is offline
 * waits in the broker.  A dropped connection is made again after a wait
 * that doubles from 0.1 s to 30 s, with jitter.  The broker's PUBACK is
 * flow control only: the batch leaves the device's spool on collect's ack.
 */
#ifndef UPLINK_MQTT_H
#define UPLINK_MQTT_H

#include <stddef.h>

#include "buf.h"
#include "uplink.h"

struct mqtt;

/* uri: mqtt://host[:port] or mqtts://host[:port] (TLS).  NULL, err. */
struct mqtt	*mqtt_open(const char *uri, const struct uplink_conf *,
		     int gateway, char *err, size_t errlen);
/* Publish a batch (device) on the batch topic.  0; -1 not connected. */
int		 mqtt_send(struct mqtt *, const char *p, size_t n, char *err,
		     size_t errlen);
/* Up to ms for the next message (device: an ack; gateway: a batch) into
 * msg (reset first).  1 got one, 0 none, -1 a new error to report. */
int		 mqtt_recv(struct mqtt *, int ms, struct buf *msg, char *err,
		     size_t errlen);
/* Gateway: publish p[0..n) on the ack topic of the last batch's device. */
int		 mqtt_reply(struct mqtt *, const char *p, size_t n, char *err,
		     size_t errlen);
void		 mqtt_close(struct mqtt **);

#endif
