# Sourced by tests/e2e/upload_mqtt.sh and bench/upload.sh: a test CA and
# certificates made with openssl, and a mosquitto broker with TLS on a
# loopback port (docs/upload.md "MQTT" shows the same commands).
#
#   mqtt_certs DIR      ca.{crt,key}, server.{crt,key} (CN and SAN
#                       localhost only: 127.0.0.1 is not its name), dev
#                       and collect client
#                       certificates, other.crt (a CA that signed nothing
#                       here), old.{crt,key} (a client certificate that
#                       expired in 2020), passwd (dev: s3cret-dev, collect:
#                       s3cret-gw); 0 if all were made
#   mqtt_conf DIR PORT  DIR/mq.conf: TLS on PORT, client certificates
#                       required, passwords, persistence in DIR/mq/
#   mqtt_start DIR      start the broker (bpid), wait until it runs
MOSQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)

mqtt_certs() {
	_c=$1
	mkdir -p "$_c/newcerts"
	_ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	_o() { openssl "$@" > /dev/null 2>> "$_c/openssl.log"; }
	_o req -x509 $_ec -keyout "$_c/ca.key" -out "$_c/ca.crt" -days 2 -subj /CN=pdm-test-ca
	_o req -x509 $_ec -keyout "$_c/other.key" -out "$_c/other.crt" -days 2 -subj /CN=another-ca
	printf 'subjectAltName=DNS:localhost\n' > "$_c/san.ext"
	for _n in server dev collect old; do
		_o req $_ec -keyout "$_c/$_n.key" -out "$_c/$_n.csr" -subj "/CN=$_n"
	done
	_o x509 -req -in "$_c/server.csr" -CA "$_c/ca.crt" -CAkey "$_c/ca.key" \
		-CAcreateserial -out "$_c/server.crt" -days 2 -extfile "$_c/san.ext"
	for _n in dev collect; do
		_o x509 -req -in "$_c/$_n.csr" -CA "$_c/ca.crt" -CAkey "$_c/ca.key" \
			-CAcreateserial -out "$_c/$_n.crt" -days 2
	done
	: > "$_c/index.txt"
	echo 1000 > "$_c/serial"
	printf '[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndatabase = %s\nnew_certs_dir = %s\nserial = %s\ndefault_md = sha256\npolicy = policy_any\n[ policy_any ]\ncommonName = supplied\n' \
		"$_c/index.txt" "$_c/newcerts" "$_c/serial" > "$_c/ca.cnf"
	_o ca -batch -config "$_c/ca.cnf" -cert "$_c/ca.crt" -keyfile "$_c/ca.key" \
		-in "$_c/old.csr" -out "$_c/old.crt" -notext \
		-startdate 20200101000000Z -enddate 20200102000000Z
	mosquitto_passwd -b -c "$_c/passwd" dev s3cret-dev > /dev/null 2>&1
	mosquitto_passwd -b "$_c/passwd" collect s3cret-gw > /dev/null 2>&1
	[ -s "$_c/server.crt" ] && [ -s "$_c/dev.crt" ] && [ -s "$_c/collect.crt" ] &&
	    [ -s "$_c/old.crt" ] && [ -s "$_c/passwd" ]
}

mqtt_conf() {
	mkdir -p "$1/mq"
	cat > "$1/mq.conf" <<MQEOF
per_listener_settings false
listener $2 127.0.0.1
cafile $1/ca.crt
certfile $1/server.crt
keyfile $1/server.key
require_certificate true
allow_anonymous false
password_file $1/passwd
persistence true
persistence_location $1/mq/
autosave_interval 1
user $(id -un)
MQEOF
}

_nb=0
mqtt_start() {
	_nb=$((_nb + 1))
	"$MOSQ" -c "$1/mq.conf" > "$1/mq$_nb.log" 2>&1 &
	bpid=$!
	_i=0
	while ! grep -q "running" "$1/mq$_nb.log" && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
