/*
 * reject -- build dead-letter records; one shape for every filter, so a
 * person reading rejects from any stage finds the same fields.
 */
#include <string.h>
#include <time.h>

#include "codec.h"
#include "reject.h"
#include "utf8.h"

int
reject_build(struct record *rj, struct buf *scratch, const struct record *r,
    const char *raw, size_t rawlen, const struct reject *why)
{
	static const char *const copy[] = { "src", "line" };
	const struct value *mv;
	struct timespec now;
	struct value v;
	size_t i;

	record_clear(rj);
	buf_reset(scratch);
	if (r != NULL) {
		record_set_time(rj, r->sec, r->nsec);
		if (frame_encode(scratch, r) == -1)
			return -1;
	} else if (why->timed) {
		record_set_time(rj, why->sec, why->nsec);
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		record_set_time(rj, now.tv_sec, (uint32_t)now.tv_nsec);
	}
	if (record_set_kind(rj, KIND_REJECT) == -1)
		return -1;
	if (r != NULL && r->dev != NULL &&
	    record_set_dev(rj, r->dev, r->dev_len) == -1)
		return -1;
	if (r == NULL && why->dev != NULL &&
	    record_set_dev(rj, why->dev, why->devlen) == -1)
		return -1;
	for (i = 0; r != NULL && i < sizeof(copy) / sizeof(copy[0]); i++)
		if ((mv = record_meta_get(r, copy[i])) != NULL &&
		    record_meta_set(rj, copy[i], mv) == -1)
			return -1;
	if (r == NULL && why->src != NULL) {
		v = val_str(why->src, strlen(why->src));
		if (record_meta_set(rj, "src", &v) == -1)
			return -1;
	}
	if (r == NULL && why->line > 0) {
		v = val_u64(why->line);
		if (record_meta_set(rj, "line", &v) == -1)
			return -1;
	}
	v = val_str(why->stage, strlen(why->stage));
	if (record_meta_set(rj, "stage", &v) == -1 ||
	    record_add_str(rj, "reason", why->reason,
	    strlen(why->reason)) == -1 ||
	    record_add_str(rj, "rule", why->rule, strlen(why->rule)) == -1 ||
	    (why->field != NULL &&
	    record_add_str(rj, "field", why->field, why->flen) == -1) ||
	    (why->value != NULL && record_add(rj, "value", 5, why->value) == -1) ||
	    (why->limit != NULL && record_add(rj, "limit", 5, why->limit) == -1))
		return -1;
	if (r != NULL) {
		v.type = VAL_RAW;
		v.p = scratch->p;
		v.len = (uint32_t)scratch->len;
		return record_add(rj, "frame", 5, &v);
	}
	if (raw != NULL) {
		v.type = VAL_BIN;
		v.p = raw;
		v.len = (uint32_t)rawlen;
		return record_add(rj, "raw", 3, &v);
	}
	if (why->text != NULL) {
		v.type = utf8_valid(why->text, why->tlen) ? VAL_STR : VAL_BIN;
		v.p = why->text;
		v.len = (uint32_t)why->tlen;
		if (record_add(rj, v.type == VAL_STR ? "text" : "raw",
		    v.type == VAL_STR ? 4 : 3, &v) == -1)
			return -1;
		v = val_bool(1);
		if (why->truncated && record_add(rj, "truncated", 9, &v) == -1)
			return -1;
	}
	return 0;
}
