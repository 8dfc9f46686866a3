#!/bin/sh
# sample-upload -> collect through a real mosquitto broker with TLS
# (Debian's mosquitto, started here on a loopback port with a generated
# config: persistence on, TLS with a CA and server and client certificates
# made by openssl here, client certificates required, user and password;
# the secrets in -C files, not in argv).  100,000 frames of 4 devices fed
# at 20,000 frames/s, sampled 1 in 10 into batches of 200; the broker
# killed with SIGKILL mid-stream and restarted, later stopped with SIGTERM
# and restarted; sample-upload killed with SIGKILL mid-batch and restarted
# on the rest of the input; collect killed once.  In the end collect holds
# every batch the spool accepted, once, the counts as logged; no frame
# twice; every frame the second run kept is there; the counts reconcile.
# And: a wrong CA, a broker name its certificate does not hold, an expired
# client certificate and a wrong password are refused with a message that
# says so, and nothing is delivered.
. tests/lib.sh
. tests/mqtt.sh
[ -x "$MOSQ" ] || { fail "mosquitto is not installed (.ci/deps)"; finish; exit; }

C="$T/tls"
check "certificates made (openssl)" mqtt_certs "$C"
port=$($PY tests/py/tap_zmq.py port)
mqtt_conf "$C" "$port"
start_broker() { mqtt_start "$C"; }
uri="mqtts://localhost:$port"
# the secrets in files only this user reads
umask 077
cat > "$T/su.conf" <<EOF2
uplink $uri
mqtt-id dev1
mqtt-ca $C/ca.crt
mqtt-cert $C/dev.crt
mqtt-key $C/dev.key
mqtt-user dev
mqtt-password s3cret-dev
EOF2
cat > "$T/c.conf" <<EOF2
input $uri
mqtt-ca $C/ca.crt
mqtt-cert $C/collect.crt
mqtt-key $C/collect.key
mqtt-user collect
mqtt-password s3cret-gw
EOF2
umask 022

# ---- refusals: wrong CA, expired client certificate, wrong password -----
start_broker
$PY tests/py/upload.py gen "$T/small.mp" 1000 2
refused() {	# refused NAME OPTIONS...: nothing delivered, the message
	name=$1; shift
	$BIN/sample-upload -C "$T/su.conf" --every 10 --drain 1 \
	    -s "$T/sp-$name" "$@" < "$T/small.mp" > /dev/null 2> "$T/$name.err"
	grep -q 'acked=0 .* left=100 ' "$T/$name.err"
}
check "wrong CA: nothing delivered" refused ca --mqtt-ca "$C/other.crt"
check "wrong CA: the message says certificate verify failed" \
	grep -q "$uri: .*certificate verify failed" "$T/ca.err"
check "a name the server certificate does not hold (127.0.0.1): nothing delivered" \
	refused name -u "mqtts://127.0.0.1:$port"
check "... the message says certificate verify failed" \
	grep -q "mqtts://127.0.0.1:$port: .*certificate verify failed" "$T/name.err"
check "expired client certificate: nothing delivered" \
	refused old --mqtt-cert "$C/old.crt" --mqtt-key "$C/old.key"
check "expired client certificate: the message says so" \
	grep -q "$uri: .*certificate" "$T/old.err"
grep "$uri" "$T/old.err" | head -n 1 | sed 's/^/# /'
check "wrong password: nothing delivered" refused pw --mqtt-password nope
check "wrong password: the message says not authorised" \
	grep -q "$uri: the broker refused the connection: .*not authorised" "$T/pw.err"
check "a -C file readable by others is warned about" sh -c "
	chmod 644 '$T/su.conf'
	$BIN/sample-upload -C '$T/su.conf' --every 10 --drain 0 -s '$T/sp-x' \
	    < /dev/null 2>&1 >/dev/null | grep -q 'su.conf: readable by other users'
	st=\$?; chmod 600 '$T/su.conf'; exit \$st"

$BIN/sample-upload -C "$T/su.conf" --every 10 -s "$T/sp-y" \
	--mqtt-ca "$T/none.crt" < /dev/null > /dev/null 2> "$T/u.err"
check "a CA file that is not there: exit 73, named" \
	sh -c "test $? -eq 73 && grep -q 'none.crt' '$T/u.err'"
$BIN/collect -C "$T/c.conf" -d "$T/dsy" --mqtt-key "$T/none.key" 2> "$T/u.err"
check "collect: a key file that is not there: exit 66" test $? -eq 66
printf 'no-such-option 1\n' > "$T/bad.conf"
$BIN/sample-upload -C "$T/bad.conf" --every 10 -s "$T/sp-y" -u "$uri" \
	< /dev/null > /dev/null 2> "$T/u.err"
check "-C with an unknown option: exit 64, the file and line named" \
	sh -c "test $? -eq 64 && grep -q 'bad.conf:1: no-such-option' '$T/u.err'"
$BIN/sample-upload --every 10 -s "$T/sp-y" -u "mqtt://localhost:1/topic" \
	< /dev/null > /dev/null 2> "$T/u.err"
check "a topic in the uri: exit 64" test $? -eq 64

# ---- the run ------------------------------------------------------------
$PY tests/py/upload.py gen "$T/f.mp" 100000 4 || fail gen
waitfor() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
nc=0
start_collect() {
	nc=$((nc + 1))
	$BIN/collect -C "$T/c.conf" -d "$T/ds" 2> "$T/c$nc.err" &
	cpid=$!
}
run_upload() {
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	$PY tests/py/upload.py feed "$T/f.mp" "$2" 40 20000 "$T/$1.k" > "$T/fifo" &
	fpid=$!
	$BIN/sample-upload -C "$T/su.conf" -v --every 10 --batch-count 200 \
	    --batch-age 0.5 --retry-base 0.3 --retry-max 1 --drain 120 \
	    -s "$T/spool" < "$T/fifo" > /dev/null 2> "$T/$1.err" &
	spid=$!
}
start_collect
run_upload su1 0
waitfor "$T/su1.err" "acknowledged (stored) batch"
kill -9 $bpid; wait $bpid 2>/dev/null		# broker killed mid-stream
sleep 0.5
start_broker
sleep 0.5
kill -9 $cpid; wait $cpid 2>/dev/null		# collect killed
sleep 0.3
kill -9 $spid; wait $spid 2>/dev/null		# sample-upload killed
wait $fpid
k=$(cat "$T/su1.k")
check "sample-upload killed mid-input (frame $k of 100000)" \
	test "$k" -gt 0 -a "$k" -lt 100000
start_collect
run_upload su2 "$k"
waitfor "$T/su2.err" "acknowledged (stored) batch"
kill -TERM $bpid; wait $bpid			# broker stopped
sleep 0.5
start_broker
wait $fpid
timeout 150 sh -c "while kill -0 $spid 2>/dev/null; do sleep 0.2; done"
wait $spid
st=$?
kill -TERM $cpid
wait $cpid
cst=$?
kill -TERM $bpid
wait $bpid
check "the second run exits 0" test $st -eq 0
check "collect exits 0 on SIGTERM" test $cst -eq 0
acct=$(grep 'sample-upload: in=' "$T/su2.err")
echo "# $acct"
check "the second run: every frame passes, none lost, none left" \
	sh -c "echo '$acct' | grep -q ' in=$((100000 - k)) out=$((100000 - k)) .* spool_lost=0 spool_lost_batches=0 left=0 '"
check "the spool is empty" test -z "$(ls "$T/spool" | grep -v '^bad$')"
check "collect holds every batch the spool accepted, once, counts as logged" \
	$PY tests/py/upload.py audit "$T/ds" "$T/su1.err" "$T/su2.err"
check "no frame twice, bytes intact, every frame the second run sampled" \
	$PY tests/py/upload.py check "$T/ds" "$T/f.mp" 10 "$k"
grep -h 'collect: in=' "$T"/c*.err | sed 's/^/# /'
check "no password in any process's arguments" \
	sh -c "! grep -q s3cret '$T'/*.err"
finish
