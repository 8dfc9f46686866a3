#!/bin/sh
# rss_zmq.sh -- peak RSS of every filter with a ZeroMQ input and a ZeroMQ
# output at full speed, over ipc and over tcp, beside the same filter on
# pipes (target: under 8 MiB each).
#
# Each stage's input is made once over pipes from $RSSZ_ROWS rows of the
# generated CSV (the chain of bench/pipeline.sh: ingest | validate |
# normalize | window -s 16 -H 1 | infer logistic | drift, its bundle from
# bench/pipeline_model.sh), plus $RSSZ_MLP features frames for infer with
# the MLP 12-64-32-1 of bench/infer_gen.py.  Then, per stage and
# transport:
#
#   streamcat -i FILE -o >IN  ->  STAGE -i @IN -o @OUT  ->  streamcat -i >OUT
#
# streamcat (bench/streamcat.c: libstream bare) sends as fast as the stage
# takes, so the stage's input queue is as full as it gets; the sink reads
# as fast as it can.  sample-upload delivers its batches to collect over the
# same transport (collect's RSS is its own row); on pipes to dir:.  The
# stage runs under bench/rss (wait4's ru_maxrss).  Counts are checked: the
# sink gets every frame the stage says it sent.  Output: one figure per
# stage and a table (stage, pipe, ipc, tcp in MiB).
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=rss_zmq
: "${RSSZ_ROWS:=1000000}" "${RSSZ_MLP:=1000000}"
[ "$ROWS" -lt "$RSSZ_ROWS" ] && RSSZ_ROWS=$ROWS
[ "$ROWS" -lt "$RSSZ_MLP" ] && RSSZ_MLP=$ROWS
[ "$RSSZ_MLP" -lt 20000 ] && RSSZ_MLP=20000	# infer_gen.py's own timing needs some
need "$BIN/ingest" "$BIN/tap" "$BIN/validate" "$BIN/normalize" "$BIN/window" \
    "$BIN/infer" "$BIN/drift" "$BIN/sample-upload" "$BIN/collect" \
    "$BBIN/rss" "$BBIN/streamcat" "$BBIN/gencsv" || exit 0
D=$OUT/rss_zmq
rm -rf "$D"
mkdir -p "$D" || { fail "rss_zmq: mkdir $D"; finish; }
trap 'exit 130' INT TERM

# ---- the stages' inputs -----------------------------------------------------
"$BBIN/gencsv" -n "$RSSZ_ROWS" -o "$D/in.csv" || { fail "rss_zmq: gencsv"; finish; }
SLICE=$((RSSZ_ROWS / 10))
[ "$RSSZ_ROWS" -lt 200000 ] && SLICE=$((RSSZ_ROWS / 2))
WOPTS="-t hopping -s 16 -H 1 -f mean,std,rms,kurtosis"
# shellcheck disable=SC2086
head -n $((SLICE + 1)) "$D/in.csv" | "$BIN/ingest" -q $INGEST_OPTS > "$D/slice.mp" ||
    { fail "rss_zmq: ingest of the slice"; finish; }
# shellcheck disable=SC2086
SCHEMA_OPTS="--margin 1" SCHEMA_EDIT="s/^gap .*/gap        10s event/" \
    sh bench/pipeline_model.sh "$BIN" "$D/slice.mp" "$D/model" "$D/m.bundle" "$PY" -- $WOPTS \
    > "$D/model.log" 2>&1 || { fail "rss_zmq: the bundle" "$D/model.log"; finish; }
M=$D/m.bundle
# shellcheck disable=SC2086
{ "$BIN/ingest" -q $INGEST_OPTS "$D/in.csv" > "$D/ingest.mp" &&
  "$BIN/validate" -q -s "$M" --reject /dev/null < "$D/ingest.mp" > "$D/validate.mp" &&
  "$BIN/normalize" -q -p "$M" --reject /dev/null < "$D/validate.mp" > "$D/normalize.mp" &&
  "$BIN/window" -q -C "$M" --reject /dev/null < "$D/normalize.mp" > "$D/window.mp" &&
  "$BIN/infer" -q -m "$M" --reject /dev/null < "$D/window.mp" > "$D/infer.mp" &&
  "$BIN/drift" -q -m "$M" --reject /dev/null < "$D/infer.mp" > "$D/drift.mp"; } 2> "$D/inputs.err" ||
    { fail "rss_zmq: the stages' inputs" "$D/inputs.err"; finish; }
"$PY" bench/infer_gen.py testdata "$D" "$RSSZ_MLP" > /dev/null 2> "$D/infer_gen.err" ||
    { fail "rss_zmq: infer_gen.py" "$D/infer_gen.err"; finish; }

# ---- one run ----------------------------------------------------------------
port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# addr TR NAME: an endpoint of transport TR
addr() {
	case $1 in
	ipc)	echo "ipc://$D/$2.sock" ;;
	tcp)	echo "tcp://127.0.0.1:$(port)" ;;
	esac
}
# cnt LOG PROG KEY: KEY of PROG's last accounting line in LOG (not
# validate's per-device lines)
cnt() {
	grep "^$2: " "$1" | grep -v 'device=' | grep -o " $3=[0-9]*" |
	    tail -n 1 | sed 's/.*=//'
}
# run NAME TR INPUT CMD...: CMD (words with the strings IN and OUT standing
# for its endpoints) reading INPUT over TR (pipe, ipc, tcp); sets KIB, the
# stage's peak RSS (SPOOL: a spool directory; UPLINK: collect over TR), and, for sample-upload, CKIB, collect's.  Returns
# non-zero (after fail) if a program failed or a count is off.
run() {
	_n=$1 _tr=$2 _f=$3
	shift 3
	_l=$D/$_n-$_tr
	KIB="" CKIB=""
	if [ "$_tr" = pipe ]; then
		_i=- _o=-
	else
		_i=$(addr "$_tr" "$_n-in") _o=$(addr "$_tr" "$_n-out")
	fi
	_args=""
	for _w in "$@"; do
		case $_w in
		IN)	_w=$([ "$_tr" = pipe ] && echo - || echo "@$_i") ;;
		OUT)	_w=$([ "$_tr" = pipe ] && echo - || echo "@$_o") ;;
		SPOOL)	_w=$_l.spool ;;
		UPLINK)	if [ "$_tr" = pipe ]; then
				mkdir -p "$_l.up"; _w="dir:$_l.up"
			else
				_u=$(addr "$_tr" "$_n-up")
				"$BBIN/rss" -o "$_l.collect.rss" \
				    "$BIN/collect" -i "@$_u" -d "$_l.ds" 2> "$_l.collect.err" &
				_cp=$!
				_w=">$_u"
			fi ;;
		esac
		_args="$_args '$_w'"
	done
	if [ "$_tr" = pipe ]; then
		eval "\"\$BBIN/rss\" -o \"\$_l.rss\" timeout \"\$TMO\" $_args" \
		    < "$_f" > /dev/null 2> "$_l.err"
		_st=$?
		_sink=""
	else
		timeout "$TMO" "$BBIN/streamcat" -i ">$_o" -o /dev/null 2> "$_l.sink" &
		_sp=$!
		eval "\"\$BBIN/rss\" -o \"\$_l.rss\" timeout \"\$TMO\" $_args" \
		    > /dev/null 2> "$_l.err" &
		_pp=$!
		timeout "$TMO" "$BBIN/streamcat" -q -i "$_f" -o ">$_i" 2> "$_l.feed"
		_fs=$?
		wait $_pp
		_st=$?
		wait $_sp
		_ss=$?
		if [ $_fs -ne 0 ] || [ $_ss -ne 0 ]; then
			fail "rss_zmq $_n $_tr: feeder exit $_fs, sink exit $_ss" "$_l.sink"
			_st=1
		fi
		_sink=$(cnt "$_l.sink" streamcat in)
	fi
	if [ -n "${_cp:-}" ]; then
		pkill -TERM -P "$_cp"	# collect, the rss runner's child
		wait "$_cp"
		CKIB=$(field maxrss_kib "$(cat "$_l.collect.rss" 2>/dev/null)")
		_cp=""
	fi
	if [ $_st -ne 0 ]; then
		fail "rss_zmq $_n $_tr: exit $_st" "$_l.err"
		return 1
	fi
	_p=$(basename "$1")
	_in=$(cnt "$_l.err" "$_p" in) _out=$(cnt "$_l.err" "$_p" out)
	if [ -z "$_in" ] || [ "$_in" -eq 0 ]; then
		fail "rss_zmq $_n $_tr: no accounting line, or nothing read" "$_l.err"
		return 1
	fi
	if [ -n "$_sink" ] && [ "$_sink" != "$_out" ]; then
		fail "rss_zmq $_n $_tr: $_p out=$_out, the sink read ${_sink:-none}" "$_l.sink"
		return 1
	fi
	KIB=$(field maxrss_kib "$(cat "$_l.rss")")
	IN=$_in
}

mib() { fmt '%.1f' "$1 / 1024"; }
TABLE=$D/table
: > "$TABLE"
# row NAME INPUT CMD...: the three transports, a figure and a table row
row() {
	_name=$1
	shift
	_cells="" _ccells="" _max=0
	for tr in pipe ipc tcp; do
		if run "$_name" "$tr" "$@"; then
			_cells="$_cells | $(mib "$KIB")"
			[ "$KIB" -gt "$_max" ] && _max=$KIB
			[ -n "$CKIB" ] && _ccells="$_ccells | $(mib "$CKIB")"
		else
			_cells="$_cells | failed"
			_ccells="$_ccells | failed"
		fi
	done
	fig "rss_zmq $_name: peak RSS pipe/ipc/tcp$(echo "$_cells" | sed 's/^ | / /; s/ | /\//g') MiB, $IN frames in, ZeroMQ in and out at full speed (target < 8 MiB: $(verdict "$_max" '<' 8192))"
	echo "| $_name$_cells |" >> "$TABLE"
	if [ -n "$_ccells" ]; then
		fig "rss_zmq collect (sample-upload's uplink): peak RSS ipc/tcp$(echo "$_ccells" | sed 's/^ | / /; s/ | /\//g') MiB"
		echo "| collect (uplink of sample-upload) | - (dir:)$_ccells |" >> "$TABLE"
	fi
}

row ingest "$D/ingest.mp" "$BIN/ingest" -i IN -o OUT
row "tap --count" "$D/ingest.mp" "$BIN/tap" --count -i IN -o OUT
row validate "$D/ingest.mp" "$BIN/validate" -s "$M" --reject /dev/null -i IN -o OUT
row normalize "$D/validate.mp" "$BIN/normalize" -p "$M" --reject /dev/null -i IN -o OUT
row window "$D/normalize.mp" "$BIN/window" -C "$M" --reject /dev/null -i IN -o OUT
row "infer logistic" "$D/window.mp" "$BIN/infer" -m "$M" --reject /dev/null -i IN -o OUT
row "infer MLP" "$D/infer-features.mp" "$BIN/infer" -m "$D/infer-mlp.bundle" --reject /dev/null -i IN -o OUT
row "infer MLP --blas-min 0" "$D/infer-features.mp" "$BIN/infer" -m "$D/infer-mlp.bundle" --blas-min 0 --reject /dev/null -i IN -o OUT
row drift "$D/infer.mp" "$BIN/drift" -m "$M" --reject /dev/null -i IN -o OUT
row sample-upload "$D/drift.mp" "$BIN/sample-upload" --every 100 -s SPOOL -u UPLINK --drain 30 --reject /dev/null -i IN -o OUT

echo "| stage | pipe | ipc | tcp |"
echo "|---|---|---|---|"
cat "$TABLE"
finish
