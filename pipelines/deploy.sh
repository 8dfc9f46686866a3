# shellcheck shell=sh disable=SC2154	# $here: set by the script that sources this
# pipelines/deploy.sh -- what device.sh, gateway.sh, sensor.sh and replay.sh
# share (sourced after lib.sh; POSIX sh, runs under busybox sh):
#
#	dp_start KIND OPERANDS "$@"	-c conf, -w workdir, the configuration
#				read, WORK set, dp_common; DP_SHIFT: the
#				caller's `shift`
#	dp_conf FILE		read the configuration (shell assignments)
#	dp_common KIND		defaults, directories, the bundle checked
#	dp_side STAGE		the stage's --reject and --metrics options
#	dp_chain M [novalidate]	validate | normalize | window | infer |
#				drift, each configured from the bundle M
#	dp_side_start NAME CMD...	a process beside the chain (trigger,
#				collect): pid, stderr, status in WORK/pl
#	dp_collect_start	collect beside the chain (DATASET set)
#	dp_run OUT		run the chain, then trigger's end; accounts
#
# Paths in the configuration must not hold blanks (the options are word
# lists, as in a shell command line).

# dp_start KIND OPERANDS "$@": the options every role takes (-c conf, -w
# workdir; OPERANDS is the usage's tail), the configuration read
# (/etc/pdm/KIND-INSTANCE.conf unless -c or $PDM_CONF), WORK set (-w wins
# over the configuration), then dp_common KIND.  Sets DP_SHIFT to the
# options' count: the caller shifts them off and reads its operands.
dp_start() {
	_kind=$1 _ops=$2; shift 2
	conf=${PDM_CONF:-} work="" conf_given=${PDM_CONF:+1}
	OPTIND=1
	while getopts c:w: opt; do
		case $opt in
		c) conf=$OPTARG conf_given=1 ;;
		w) work=$OPTARG ;;
		*) echo "usage: $_kind.sh [-c conf] [-w workdir]${_ops:+ $_ops}" >&2; return 64 ;;
		esac
	done
	DP_SHIFT=$((OPTIND - 1))
	inst=${PDM_INSTANCE:-$_kind}
	[ -n "$conf" ] || conf=/etc/pdm/$_kind-$inst.conf
	dp_conf "$conf" || return 78
	: "${WORK:=${work:-/var/lib/pdm/run/$_kind-$inst}}"
	[ -n "$work" ] && WORK=$work
	dp_common "$_kind"
}

# dp_conf FILE: source FILE when it exists; a FILE named (-c or $PDM_CONF:
# conf_given set) that does not exist is an error (78), the default one
# is not: the environment may say it all.
dp_conf() {
	if [ -f "$1" ]; then
		# shellcheck disable=SC1090
		. "$1" || { echo "${0##*/}: $1: cannot be read" >&2; return 1; }
	elif [ -n "${conf_given:-}" ]; then
		echo "${0##*/}: $1: no such configuration" >&2
		return 1
	fi
	return 0
}

dp_common() {
	DP_KIND=$1
	DP_INST=${PDM_INSTANCE:-$1}
	if [ -z "${BIN:-}" ]; then
		BIN=$here/../bin
		[ -x "$BIN/ingest" ] || BIN=$(dirname "$(command -v ingest || echo /usr/local/bin/ingest)")
	fi
	: "${PDM_REGISTRY:=/var/lib/pdm/registry}"
	if [ "$DP_KIND" != sensor ]; then
		if [ -z "${MODEL:-}" ]; then
			[ -n "${NAME:-}" ] || { echo "${0##*/}: neither MODEL nor NAME is set" >&2; return 78; }
			MODEL=$PDM_REGISTRY/$NAME/production
		fi
		[ -r "$MODEL" ] || { echo "${0##*/}: $MODEL: no bundle there" >&2; return 66; }
	fi
	: "${DEADLETTER:=$WORK/deadletter}" "${METRICS_DIR=${PDM_METRICS_DIR:-}}"
	: "${PUBKEY:=}" "${TRIGGER_OPTS:=}" "${RETRAIN=}"
	mkdir -p "$WORK" "$DEADLETTER" || return 73
	[ -n "$METRICS_DIR" ] && { mkdir -p "$METRICS_DIR" || return 73; }
	DP_SIDES=""
	return 0
}

dp_side() {
	printf '%s' "--reject $DEADLETTER/$1.mp"
	[ -n "$METRICS_DIR" ] && printf ' %s' "--metrics $METRICS_DIR/pdm-$DP_INST-$1.prom"
	return 0
}

dp_chain() {
	_m=$1
	_k="" _dk=""
	[ -n "$PUBKEY" ] && _k="-k $PUBKEY" _dk="--pubkey $PUBKEY"
	# shellcheck disable=SC2046
	[ "${2:-}" = novalidate ] ||
	    pl_stage validate "$BIN/validate" -s "$_m" $(dp_side validate)
	# shellcheck disable=SC2046
	pl_stage normalize "$BIN/normalize" -p "$_m" $(dp_side normalize)
	# shellcheck disable=SC2046
	pl_stage window "$BIN/window" -C "$_m" $(dp_side window)
	# shellcheck disable=SC2046,SC2086
	pl_stage infer "$BIN/infer" -m "$_m" $_k $(dp_side infer)
	DP_EVENTS=""
	if [ "$RETRAIN" != none ]; then
		DP_EVENTS=$WORK/pl/events.fifo
		rm -f "$DP_EVENTS"
		mkfifo "$DP_EVENTS" || return 73
		# shellcheck disable=SC2046,SC2086
		pl_stage drift "$BIN/drift" -m "$_m" $_dk ${DRIFT_OPTS:-} \
		    --events "$DP_EVENTS" $(dp_side drift)
	else
		# shellcheck disable=SC2046,SC2086
		pl_stage drift "$BIN/drift" -m "$_m" $_dk ${DRIFT_OPTS:-} \
		    --events "$WORK/events.mp" $(dp_side drift)
	fi
}

# dp_side_start NAME CMD...: run CMD beside the chain.
dp_side_start() {
	_n=$1; shift
	rm -f "$PL_DIR/side-$_n.rc" "$PL_DIR/side-$_n.pid"
	# not a child of this shell (pl_run's wait waits for every child):
	# the outer subshell ends at once, the inner one watches CMD
	( (
		sh -c 'echo $$ > "$0"; exec "$@"' "$PL_DIR/side-$_n.pid" "$@" \
		    < /dev/null 2> "$PL_DIR/$_n.err"
		echo $? > "$PL_DIR/side-$_n.rc.tmp"
		mv "$PL_DIR/side-$_n.rc.tmp" "$PL_DIR/side-$_n.rc"
	) & )
	DP_SIDES="$DP_SIDES $_n"
	_t=0
	while [ ! -s "$PL_DIR/side-$_n.pid" ] && [ $_t -lt 50 ]; do
		pl_sleep; _t=$((_t + 1))
	done
}

# dp_side_wait NAME TENTHS: wait for it to end (at most TENTHS/10 s, then
# SIGTERM, then as long as it takes); its status.
dp_side_wait() {
	_t=0
	while [ ! -f "$PL_DIR/side-$1.rc" ]; do
		# SIGTERM at TENTHS, again every 2 s until it has gone
		if [ "$_t" -ge "$2" ] && [ $(((_t - $2) % 20)) -eq 0 ] &&
		    [ -s "$PL_DIR/side-$1.pid" ]; then
			kill -TERM "$(cat "$PL_DIR/side-$1.pid")" 2>/dev/null
		fi
		sleep 0.1 2>/dev/null || sleep 1
		_t=$((_t + 1))
	done
	return "$(cat "$PL_DIR/side-$1.rc")"
}

dp_side_line() {
	_line=$(grep -E "^$1: [a-z_]+=[0-9]" "$PL_DIR/$1.err" | tail -n 1)
	printf '  %-14s %s\n' "$1" "${_line#*: }"
}

# dp_trigger_start: trigger reads drift's events from the FIFO.
dp_trigger_start() {
	[ -n "$DP_EVENTS" ] || return 0
	if [ -z "$RETRAIN" ]; then
		if [ -n "${PDM_RETRAIN_CONF:-}" ]; then
			RETRAIN="sh $here/retrain.sh -c $PDM_RETRAIN_CONF"
		else
			RETRAIN="sh $here/retrain.sh"
		fi
	fi
	# shellcheck disable=SC2086
	dp_side_start trigger "$BIN/trigger" -i "$DP_EVENTS" \
	    -o "$WORK/trigger.mp" $TRIGGER_OPTS sh -c "$RETRAIN"
}

# dp_collect_start: collect -i $COLLECT_INPUT -d $DATASET beside the chain
# when DATASET is set (stopped with SIGTERM once the chain has ended).
dp_collect_start() {
	[ -n "${DATASET:-}" ] || return 0
	mkdir -p "$DATASET" || return 73
	case $COLLECT_INPUT in dir:*) mkdir -p "${COLLECT_INPUT#dir:}" || return 73 ;; esac
	_cm=""
	[ -n "$METRICS_DIR" ] && _cm="--metrics $METRICS_DIR/pdm-$DP_INST-collect.prom"
	# shellcheck disable=SC2086
	dp_side_start collect "$BIN/collect" -i "$COLLECT_INPUT" -d "$DATASET" \
	    ${COLLECT_OPTS:-} $_cm
}

# dp_run OUT: the chain to OUT; trigger ends when drift closes its events
# (a writer opened and closed here wakes a trigger still waiting to open
# the FIFO because drift never did); the accounts; exit.
dp_run() {
	dp_trigger_start
	pl_run "$1"
	_st=$?
	if [ -n "$DP_EVENTS" ]; then
		exec 9<> "$DP_EVENTS"
		exec 9>&-
		dp_side_wait trigger 36000
		_tst=$?
	fi
	# collect runs until told: sample-upload has drained its acks by now
	_cst=0
	case " $DP_SIDES " in *" collect "*)
		dp_side_wait collect 0
		_cst=$?
	esac
	echo "${0##*/}: $DP_KIND $DP_INST: each stage's frames:" >&2
	pl_accounts >&2
	_acc=$?
	for _s in $DP_SIDES; do
		dp_side_line "$_s" >&2
	done
	if [ -n "$DP_EVENTS" ] && [ "$_tst" -ne 0 ] && [ "$_st" -eq 0 ]; then
		echo "pipeline: trigger failed with status $_tst; it said:" >&2
		tail -n 5 "$PL_DIR/trigger.err" | sed 's/^/    /' >&2
		_st=$_tst
	fi
	if [ "$_cst" -ne 0 ] && [ "$_st" -eq 0 ]; then
		echo "pipeline: collect failed with status $_cst; it said:" >&2
		tail -n 5 "$PL_DIR/collect.err" | sed 's/^/    /' >&2
		_st=$_cst
	fi
	[ "$_st" -ne 0 ] && exit "$_st"
	exit "$_acc"
}
