/*
 * test_schema -- validate's schema parser: every rule and action read into
 * the right field, channel lookup (exact first, then globs in file order),
 * the defaults (NaN and Inf rejected, unknown kept), durations, and an
 * error naming file, line and word for each kind of mistake.
 */
// link: filters/validate/schema.c
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "validate/schema.h"

static struct schema *
parse(const char *text, char *err, size_t errsize)
{
	return schema_parse(text, strlen(text), "t.schema", err, errsize);
}

static void
test_full(void **state)
{
	static const char text[] =
	    "# a comment\n"
	    "[device]\n"
	    "order      reject\n"
	    "duplicate  drop   # trailing comment\n"
	    "rate       5m 10% flag\n"
	    "gap        12m fill 3\n"
	    "unknown    drop\n"
	    "\n"
	    "[channel value]\r\n"
	    "required   fill linear 4\n"
	    "type       int flag\n"
	    "range      -1.5 1e2 clamp\n"
	    "nan        keep\n"
	    "inf        clamp\n"
	    "step       2.5 fill\n"
	    "slope      0.1 flag\n"
	    "stuck      12 flag\n"
	    "flat       256 1e-4 drop\n"
	    "[channel Air temperature [K]]\n"
	    "optional\n"
	    "[channels b?]\n"
	    "range -10 10 reject\n"
	    "[channels *]\n"
	    "type string\n";
	struct schema *s;
	const struct chanrule *c;
	char err[256] = "";

	(void)state;
	s = parse(text, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(err, "");
	assert_int_equal(s->on[RULE_ORDER].act, ACT_REJECT);
	assert_int_equal(s->on[RULE_DUPLICATE].act, ACT_DROP);
	assert_int_equal(s->on[RULE_RATE].act, ACT_FLAG);
	assert_true(s->rate_ns == 300000000000LL);
	assert_true(s->tol_ns == 30000000000LL);
	assert_int_equal(s->on[RULE_GAP].act, ACT_FILL);
	assert_int_equal(s->on[RULE_GAP].n, 3);
	assert_true(s->gap_ns == 720000000000LL);
	assert_int_equal(s->on[RULE_UNKNOWN].act, ACT_DROP);
	assert_int_equal(s->nchan, 4);
	assert_int_equal(s->nrequired, 1);
	assert_int_equal(s->maxlook, 4);

	c = schema_match(s, "value", 5);
	assert_ptr_equal(c, &s->chan[0]);
	assert_int_equal(c->line, 9);
	assert_true(c->required);
	assert_int_equal(c->on[RULE_REQUIRED].act, ACT_FILL);
	assert_true(c->on[RULE_REQUIRED].linear);
	assert_int_equal(c->on[RULE_REQUIRED].n, 4);
	assert_int_equal(c->type, TYPE_INT);
	assert_int_equal(c->on[RULE_TYPE].act, ACT_FLAG);
	assert_true(c->lo == -1.5 && c->hi == 100);
	assert_int_equal(c->on[RULE_RANGE].act, ACT_CLAMP);
	assert_int_equal(c->on[RULE_NAN].act, ACT_KEEP);
	assert_int_equal(c->on[RULE_INF].act, ACT_CLAMP);
	assert_true(c->step == 2.5 && c->on[RULE_STEP].act == ACT_FILL &&
	    !c->on[RULE_STEP].linear);
	assert_true(c->slope == 0.1 && c->on[RULE_SLOPE].act == ACT_FLAG);
	assert_true(c->stuck == 12 && c->on[RULE_STUCK].act == ACT_FLAG);
	assert_true(c->flatn == 256 && c->flatvar == 1e-4 &&
	    c->on[RULE_FLAT].act == ACT_DROP);

	/* names with blanks and brackets; no rules: defaults */
	c = schema_match(s, "Air temperature [K]", 19);
	assert_ptr_equal(c, &s->chan[1]);
	assert_false(c->required);
	assert_int_equal(c->on[RULE_NAN].act, ACT_REJECT);
	assert_int_equal(c->on[RULE_INF].act, ACT_REJECT);
	assert_int_equal(c->on[RULE_RANGE].act, ACT_NONE);
	assert_true(isinf(c->lo) && c->lo < 0 && isinf(c->hi) && c->hi > 0);

	/* globs in file order; exact names first */
	assert_ptr_equal(schema_match(s, "b1", 2), &s->chan[2]);
	assert_ptr_equal(schema_match(s, "b12", 3), &s->chan[3]);
	assert_ptr_equal(schema_match(s, "x", 1), &s->chan[3]);
	assert_int_equal(s->chan[3].type, TYPE_STRING);
	assert_int_equal(s->chan[3].on[RULE_TYPE].act, ACT_REJECT);
	/* a string channel gets no NaN default */
	assert_int_equal(s->chan[3].on[RULE_NAN].act, ACT_NONE);
	/* a name with a NUL byte matches no glob */
	assert_null(schema_match(s, "b\0", 2));
	schema_free(&s);
	assert_null(s);
	schema_free(&s);	/* NULL-safe */
}

static void
test_defaults(void **state)
{
	struct schema *s;
	char err[256];

	(void)state;
	s = parse("[channel a]\n", err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(s->on[RULE_UNKNOWN].act, ACT_KEEP);
	assert_int_equal(s->on[RULE_ORDER].act, ACT_NONE);
	assert_int_equal(s->on[RULE_GAP].act, ACT_NONE);
	assert_null(schema_match(s, "b", 1));
	schema_free(&s);

	s = parse("", err, sizeof(err));	/* empty: checks nothing */
	assert_non_null(s);
	assert_int_equal(s->nchan, 0);
	schema_free(&s);

	s = parse("[device]\nrate 1s 0 flag\ngap 1500ms event\n", err,
	    sizeof(err));
	assert_non_null(s);
	assert_true(s->tol_ns == 0 && s->rate_ns == 1000000000LL &&
	    s->gap_ns == 1500000000LL);
	schema_free(&s);
}

static void
test_duration(void **state)
{
	static const struct {
		const char	*s;
		int64_t		 ns;	/* -1: malformed */
	} t[] = {
		{ "5m", 300000000000LL }, { "5min", 300000000000LL },
		{ "1.5h", 5400000000000LL }, { "2d", 172800000000000LL },
		{ "250ms", 250000000LL }, { "3us", 3000LL }, { "7ns", 7 },
		{ "30", 30000000000LL }, { "0.5s", 500000000LL },
		{ "20480Hz", 48828 }, { "12000Hz", 83333 },
		{ "0.001s", 1000000 }, { "1e-3s", -1 },
		{ "", -1 }, { "s", -1 }, { "5 m", -1 }, { "5x", -1 },
		{ "-1s", -1 }, { "0", -1 }, { "0Hz", -1 }, { "nan", -1 },
		{ "inf", -1 }, { "1e300d", -1 }, { "0.1ns", -1 },
	};
	size_t i;
	int64_t ns;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ns = -2;
		rc = schema_duration(t[i].s, &ns);
		if (t[i].ns == -1) {
			if (rc != -1)
				fail_msg("'%s' accepted as %lld", t[i].s,
				    (long long)ns);
		} else if (rc != 0 || ns != t[i].ns) {
			fail_msg("'%s': rc %d, %lld ns, expected %lld", t[i].s,
			    rc, (long long)ns, (long long)t[i].ns);
		}
	}
}

static void
test_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*msg;	/* the whole message must be this */
	} t[] = {
		{ "order reject\n",
		    "t.schema:1: rule 'order' before any section" },
		{ "[device]\nrange 0 1 reject\n",
		    "t.schema:2: 'range' is a channel rule: put it under "
		    "[channel NAME]" },
		{ "[channel a]\norder reject\n",
		    "t.schema:2: 'order' is a device rule: put it under "
		    "[device]" },
		{ "[channel a]\nrange 0 l00 reject\n",
		    "t.schema:2: range: 'l00' is not a number" },
		{ "[channel a]\nrange 5 1 reject\n",
		    "t.schema:2: range: low 5 is above high 1" },
		{ "[channel a]\nrange 0 1\n",
		    "t.schema:2: usage: range LOW HIGH ACTION" },
		{ "[channel a]\nrange 0 1 event\n",
		    "t.schema:2: range: action 'event' not allowed here "
		    "(reject, drop, clamp, fill, flag)" },
		{ "[channel a]\nrange 0 1 explode\n",
		    "t.schema:2: range: unknown action 'explode'" },
		{ "[channel a]\nrange 0 1 reject now\n",
		    "t.schema:2: range: unexpected 'now' after the action" },
		{ "[channel a]\nnan reject\nnan drop\n",
		    "t.schema:3: 'nan' given twice in this section" },
		{ "[channel a]\nfrobnicate\n",
		    "t.schema:2: unknown rule 'frobnicate'" },
		{ "[sensor a]\n",
		    "t.schema:1: unknown section 'sensor' (device, channel or "
		    "channels)" },
		{ "[channel]\n", "t.schema:1: [channel] needs a channel name" },
		{ "[channel a\n", "t.schema:1: section header without ']'" },
		{ "[channel a] x\n",
		    "t.schema:1: text after the section header: 'x'" },
		{ "[channel a]\n[channel a]\n",
		    "t.schema:2: [channel a] already given at line 1" },
		{ "[device]\n[device]\n", "t.schema:2: second [device] section" },
		{ "[device x]\n",
		    "t.schema:1: [device] takes no name (the rules apply to "
		    "every device)" },
		{ "[channels b*]\nrequired\n",
		    "t.schema:2: 'required' needs an exact channel name: "
		    "[channel NAME], not a pattern" },
		{ "[device]\ngap 5 parsecs event\n",
		    "t.schema:2: gap: unknown action 'parsecs'" },
		{ "[device]\ngap 5x event\n",
		    "t.schema:2: gap: bad duration '5x' (e.g. 90m, 2h, 1.5s)" },
		{ "[device]\nrate 1s 120% flag\n",
		    "t.schema:2: rate: bad tolerance '120%' (0% to 99%)" },
		{ "[device]\nrate 1s 2s flag\n",
		    "t.schema:2: rate: bad tolerance '2s' (a percentage or a "
		    "duration under the interval)" },
		{ "[device]\ngap 1m fill 3\n",
		    "t.schema: gap fill needs a rate line (the interval of the "
		    "frames it adds)" },
		{ "[device]\nrate 1m 10% flag\ngap 1m event\n",
		    "t.schema: gap 60 s is not longer than the rate interval "
		    "plus its tolerance" },
		{ "[device]\nrate 1s 0 flag\ngap 1m fill 0\n",
		    "t.schema:3: gap fill: N must be 1 to 1024" },
		{ "[channel a]\nnan fill linear\n",
		    "t.schema:2: nan: usage: fill, or fill linear N" },
		{ "[channel a]\nnan fill linear 0\n",
		    "t.schema:2: fill linear: N must be 1 to 1024" },
		{ "[channel a]\nnan fill linear x\n",
		    "t.schema:2: fill linear: 'x' is not a count" },
		{ "[channel a]\nstuck 1 flag\n",
		    "t.schema:2: stuck: N must be at least 2" },
		{ "[channel a]\nstuck -3 flag\n",
		    "t.schema:2: stuck: '-3' is not a count" },
		{ "[channel a]\nflat 10 0 flag\n",
		    "t.schema:2: flat: FLOOR must be a positive number" },
		{ "[channel a]\nstep 0 flag\n",
		    "t.schema:2: step: MAX must be a positive number" },
		{ "[channel a]\ntype float\n",
		    "t.schema:2: type: unknown type 'float' (number, int or "
		    "string)" },
		{ "[channel a]\ntype string\nrange 0 1 reject\n",
		    "t.schema:3: range: channel a has type string" },
		{ "[channel a]\ninf clamp\n",
		    "t.schema:1: inf clamp needs a range rule" },
		{ "[channel a]\noptional now\n",
		    "t.schema:2: 'optional' takes nothing after it" },
		{ "[channel a]\nstuck 5\n", "t.schema:2: usage: stuck N ACTION" },
	};
	struct schema *s;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		errno = 0;
		s = parse(t[i].text, err, sizeof(err));
		if (s != NULL)
			fail_msg("accepted: %s", t[i].text);
		if (strcmp(err, t[i].msg) != 0)
			fail_msg("%s\n  got:      %s\n  expected: %s", t[i].text,
			    err, t[i].msg);
		assert_int_equal(errno, EINVAL);
	}
}

static void
test_load(void **state)
{
	struct schema *s;
	char err[256];

	(void)state;
	s = schema_load("/nonexistent/x.schema", err, sizeof(err));
	assert_null(s);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err, "/nonexistent/x.schema: No such file or "
	    "directory");
	s = schema_load("testdata/validate/hand.schema", err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	assert_int_equal(s->nchan, 4);
	assert_string_equal(s->path, "testdata/validate/hand.schema");
	schema_free(&s);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(rule_name(RULE_ORDER), "order");
	assert_string_equal(rule_name(RULE_FLAT), "flat");
	assert_string_equal(rule_name(RULE_DECODE), "decode");
	assert_string_equal(rule_name(RULE_COUNT), "?");
	assert_string_equal(act_name(ACT_FILL), "fill");
	assert_string_equal(ctype_name(TYPE_INT), "int");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
