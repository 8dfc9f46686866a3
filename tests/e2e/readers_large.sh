#!/bin/sh
# Wide inputs through every reader that takes a list of names from a file:
# a 20,000-column CSV header (ingest), a 20,000-section schema (validate)
# and a 20,000-line parameters file (normalize).  Every column comes out
# with its value, every section and line is applied (python3-msgpack
# checks the frames), and a name given a second time at the end of the
# file is still refused with its line (and the line it was first given
# at).  The readers index names by hash (libstream/nameidx.c); their speed
# is bench/readers.sh's figure, not checked here.
. tests/lib.sh

N=20000
R=3
P="$PY tests/py/readers_large.py"

# refused WHAT MESSAGE CMD...: CMD (stdin wide.mp) exits 65, writes no
# frame, and says MESSAGE on stderr
refused() {
	what=$1 msg=$2
	shift 2
	"$@" < "$T/wide.mp" > "$T/out" 2> "$T/err"
	st=$?
	check "$what: exit 65, nothing out" \
		sh -c "test $st -eq 65 && ! test -s '$T/out'"
	check "$what: the message names file and lines" grep -qF "$msg" "$T/err"
}

# ---- ingest: the header --------------------------------------------------------
$P csv $N $R > "$T/wide.csv" || fail "csv"
$BIN/ingest -q "$T/wide.csv" > "$T/wide.mp" 2> "$T/err"
check "ingest: $N columns, exit 0" test $? -eq 0
check "ingest: every column of every row in the frames" \
	$P check-ingest $N $R "$T/wide.mp"
$P csv $N $R 3 > "$T/dup.csv" || fail "csv dup"
refused "ingest: a name again in the last column" \
	"ingest: $T/dup.csv: columns 5 and $((N + 1)) are both called \"c00003\"" \
	$BIN/ingest -q "$T/dup.csv"
# a column found by name among them (the last one, by --time-column's lookup)
$P csv $N 1 | sed '1s/^time,/t,/; 1s/,c19999$/,time/' > "$T/late.csv"
$BIN/ingest -q --time-column t --meta time "$T/late.csv" > "$T/late.mp" 2> "$T/err"
check "ingest: --meta finds the last of $N columns" \
	sh -c "$PY -c 'import msgpack,sys; f=list(msgpack.Unpacker(open(sys.argv[1],\"rb\"),raw=False)); sys.exit(not (len(f)==1 and f[0][0][1][\"time\"]==\"19999.0\" and len(f[0][1])==$N-1))' '$T/late.mp'"

# ---- validate: the schema ------------------------------------------------------
$P schema $N > "$T/wide.schema" || fail "schema"
$BIN/validate -s "$T/wide.schema" < "$T/wide.mp" > "$T/v.mp" 2> "$T/err"
check "validate: $N sections, exit 0" test $? -eq 0
check "validate: rows 0 and 1 pass, row 2 breaks the last section's range" \
	test "$($P count "$T/v.mp")" = "2 1"
check "validate: the reject names the last channel" \
	sh -c "$PY -c 'import msgpack,sys; f=[x for x in msgpack.Unpacker(open(sys.argv[1],\"rb\"),raw=False) if x[0][1].get(\"kind\")==\"reject\"]; sys.exit(not (len(f)==1 and f[0][1].get(\"field\")==\"c19999\" and f[0][1].get(\"rule\")==\"range\"))' '$T/v.mp'"
# frames with channel c00000 absent: its required rule is found too
$P csv $N $R | cut -d, -f1,3- > "$T/less.csv"
$BIN/ingest -q "$T/less.csv" | $BIN/validate -q -s "$T/wide.schema" > "$T/v2.mp" 2> "$T/err"
check "validate: a required channel absent: every row rejected" \
	test "$($P count "$T/v2.mp")" = "0 3"
$P schema $N 3 > "$T/dup.schema" || fail "schema dup"
refused "validate: a section again at the end" \
	"$T/dup.schema:$((3 * N + 3)): [channel c00003] already given at line 12" \
	$BIN/validate -s "$T/dup.schema"

# ---- normalize: the parameters --------------------------------------------------
$P params $N > "$T/wide.params" || fail "params"
$BIN/normalize -q -p "$T/wide.params" < "$T/wide.mp" > "$T/n.mp" 2> "$T/err"
check "normalize: $N lines, exit 0" test $? -eq 0
check "normalize: every channel scaled by its own line" \
	$P check-normalize $N $R "$T/n.mp"
$P params $N 3 > "$T/dup.params" || fail "params dup"
refused "normalize: a channel again at the end" \
	"$T/dup.params:$((N + 2)): channel 'c00003' given twice (first at line 5)" \
	$BIN/normalize -p "$T/dup.params"
finish
