# pipelines/lib.sh -- run the stages of a deployment as one pipeline, in
# POSIX sh (busybox sh on a device has no bash, no arrays, no PIPESTATUS).
#
#	. pipelines/lib.sh
#	pl_init "$WORKDIR"
#	pl_stage ingest   bin/ingest --device p1 data.csv
#	pl_stage validate bin/validate -s model.pdmb --reject "$DL/validate.mp"
#	pl_stage window   bin/window -C model.pdmb
#	pl_run OUTFILE || exit			# returns the failing stage's status
#	pl_accounts				# each stage's line; links checked
#
# Stages are joined by named pipes in WORKDIR; each stage's stderr goes to
# WORKDIR/NAME.err, its exit status to WORKDIR/NAME.rc.  pl_run watches
# them: a stage that fails takes the pipeline down, with a message naming
# it, its status and the last lines it printed (when several fail, the one
# furthest downstream is the cause: a reader that dies makes its writer fail
# with a broken pipe).  SIGTERM or SIGINT to the script stops the first
# stage only; end of input then drains every later stage, which flushes what
# is in flight and prints its accounting.
#
# pl_accounts prints each stage's accounting line and checks that each
# stage's `in` equals the previous stage's `out` (rejects must then go to
# --reject files, not inline, as the deployments here send them).

pl_init() {
	PL_DIR=$1
	PL_N=0
	PL_NAMES=""
	mkdir -p "$PL_DIR" || return 1
	rm -f "$PL_DIR"/*.rc "$PL_DIR"/*.pid "$PL_DIR"/*.err "$PL_DIR"/pipe.*
}

# pl_quote ARG: ARG single-quoted for eval.
pl_quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# pl_stage NAME CMD [ARG...]: add a stage; it reads the previous stage's
# output (the first stage reads the script's stdin).
pl_stage() {
	_name=$1; shift
	_cmd=""
	for _a in "$@"; do
		_cmd="$_cmd $(pl_quote "$_a")"
	done
	PL_N=$((PL_N + 1))
	printf '%s\n' "$_cmd" > "$PL_DIR/stage.$PL_N"
	printf '%s\n' "$_name" > "$PL_DIR/name.$PL_N"
	PL_NAMES="$PL_NAMES $_name"
}

pl_name() { cat "$PL_DIR/name.$1"; }

# Signal the first stage (the source); the others drain.
pl_stop() {
	[ -s "$PL_DIR/1.pid" ] && kill -TERM "$(cat "$PL_DIR/1.pid")" 2>/dev/null
	PL_STOPPED=1
}

pl_kill_all() {
	for _p in "$PL_DIR"/*.pid; do
		[ -s "$_p" ] && kill -TERM "$(cat "$_p")" 2>/dev/null
	done
}

pl_sleep() { sleep 0.2 2>/dev/null || sleep 1; }

# pl_run [OUT]: start every stage, the last writing to OUT (default
# stdout), and wait for all.  0, or the status of the stage that caused
# the failure (named on stderr).
pl_run() {
	_out=${1:--}
	PL_STOPPED=0
	_i=1
	while [ "$_i" -lt "$PL_N" ]; do
		mkfifo "$PL_DIR/pipe.$_i" || return 1
		_i=$((_i + 1))
	done
	trap 'pl_stop' TERM INT
	exec 3<&0	# background jobs get /dev/null as stdin: keep ours
	_i=1
	while [ "$_i" -le "$PL_N" ]; do
		_in="" _to=$_out
		[ "$_i" -gt 1 ] && _in="$PL_DIR/pipe.$((_i - 1))"
		[ "$_i" -lt "$PL_N" ] && _to="$PL_DIR/pipe.$_i"
		[ "$_to" = - ] && _to=/dev/stdout
		_n=$(pl_name "$_i")
		(
			if [ -n "$_in" ]; then exec 0< "$_in"; else exec 0<&3; fi
			exec 3<&-
			eval "set -- $(cat "$PL_DIR/stage.$_i")"
			# the stage's own pid, so it can be signalled alone
			sh -c 'echo $$ > "$0"; exec "$@"' "$PL_DIR/$_i.pid" "$@" \
			    > "$_to" 2> "$PL_DIR/$_n.err"
			echo $? > "$PL_DIR/$_i.rc.tmp"
			mv "$PL_DIR/$_i.rc.tmp" "$PL_DIR/$_i.rc"
		) &
		_i=$((_i + 1))
	done
	_cause=0 _status=0
	while :; do
		_done=0 _i=1
		while [ "$_i" -le "$PL_N" ]; do
			if [ -f "$PL_DIR/$_i.rc" ]; then
				_done=$((_done + 1))
				_rc=$(cat "$PL_DIR/$_i.rc")
				if [ "$_rc" -ne 0 ] && [ "$_i" -gt "$_cause" ]; then
					[ "$_cause" -eq 0 ] && pl_kill_all
					_cause=$_i _status=$_rc
				fi
			fi
			_i=$((_i + 1))
		done
		[ "$_done" -eq "$PL_N" ] && break
		pl_sleep
	done
	wait
	trap - TERM INT
	if [ "$_cause" -ne 0 ]; then
		_n=$(pl_name "$_cause")
		echo "pipeline: stage $_n failed with status $_status" \
		    "(command:$(cat "$PL_DIR/stage.$_cause")); it said:" >&2
		tail -n 5 "$PL_DIR/$_n.err" | sed 's/^/    /' >&2
		return "$_status"
	fi
	return 0
}

# pl_count NAME COUNTER: a counter from the stage's last accounting line.
pl_count() {
	sed -n "s/^[a-z-]*: \(.* \)\{0,1\}$2=\([0-9][0-9]*\).*/\2/p" \
	    "$PL_DIR/$1.err" | tail -n 1
}

# pl_accounts: print each stage's accounting line; 0 if every link holds.
pl_accounts() {
	_ok=0 _i=1 _prev=""
	while [ "$_i" -le "$PL_N" ]; do
		_n=$(pl_name "$_i")
		_line=$(grep -E '^[a-z-]+: (.* )?in=[0-9]+' "$PL_DIR/$_n.err" |
		    tail -n 1)
		printf '  %-14s %s\n' "$_n" "${_line#*: }"
		if [ -n "$_prev" ]; then
			_o=$(pl_count "$_prev" out) _in=$(pl_count "$_n" in)
			if [ "$_o" != "$_in" ]; then
				echo "pipeline: $_prev wrote $_o frames but" \
				    "$_n read $_in" >&2
				_ok=1
			fi
		fi
		_prev=$_n
		_i=$((_i + 1))
	done
	return $_ok
}
