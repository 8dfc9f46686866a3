#!/bin/sh
# pipelines/systemd/ and pipelines/grafana/: the unit templates pass
# systemd-analyze verify without a word (their ExecStart pointed at stand-in
# scripts, since the units name the installed paths); the dashboard is JSON
# whose every query is valid PromQL (promtool check rules, with Grafana's
# variables filled in), names only the metrics our programs write, only
# programs that exist, and only counters those programs really write (read
# from the --metrics files of trigger, infer, drift, sample-upload and
# collect run here, and ingest and window when they take --metrics; each
# file also passes promtool check metrics).
. tests/lib.sh

case $BIN in */san/*) skip "no compiled program under test but the metrics writers: checked once, in the bin/ pass" ;; esac

# ---- units -------------------------------------------------------------------------------------
if command -v systemd-analyze > /dev/null; then
	mkdir -p "$T/units" "$T/lib/pipelines"
	for s in device sensor gateway; do
		printf '#!/bin/sh\n' > "$T/lib/pipelines/$s.sh"
		chmod +x "$T/lib/pipelines/$s.sh"
		sed "s|/usr/local/lib/pdm|$T/lib|" "pipelines/systemd/pdm-$s@.service" > "$T/units/pdm-$s@.service"
		ln -s "pdm-$s@.service" "$T/units/pdm-$s@test.service"
		systemd-analyze verify --man=no "$T/units/pdm-$s@test.service" > "$T/verify" 2>&1
		st=$?
		check "pdm-$s@.service: systemd-analyze verify, exit 0 and nothing said" \
			sh -c "test $st -eq 0 && ! test -s '$T/verify' || { cat '$T/verify'; exit 1; }"
	done
	check "units: restart on failure, but not for 64 65 66 78; SIGTERM to the script only" \
		sh -c "for f in pipelines/systemd/*.service; do grep -qx 'Restart=on-failure' \$f && grep -qx 'RestartPreventExitStatus=64 65 66 78' \$f && grep -qx 'KillMode=mixed' \$f || exit 1; done"
else
	echo "# systemd-analyze not installed: units not verified"
fi

# ---- metrics our programs write ------------------------------------------------------------------
M=$T/metrics
mkdir -p "$M" "$T/up"
$PY tests/py/mkbundle.py keygen "$T/sk" "$T/pk" && $PY tests/py/mkbundle.py make "$T/m.bundle" m 1 ||
	fail "bundle"
echo '[["2024-01-01T00:00:00Z",{"kind":"features","dev":"d","seq":0}],{"f0":1,"f1":2,"f2":3}]' |
	$BIN/tap -q -r > "$T/f.mp"
$BIN/infer -q -m "$T/m.bundle" --metrics "$M/infer.prom" -i "$T/f.mp" -o /dev/null
$BIN/trigger -q --metrics "$M/trigger.prom" -i "$T/f.mp" -o /dev/null true
$BIN/drift -q --fit-reference "$T/ref.prof" -i "$T/f.mp" -o /dev/null &&
	$BIN/drift -q -r "$T/ref.prof" --metrics "$M/drift.prom" -i "$T/f.mp" -o /dev/null
printf 'a,b\n1,2\n' > "$T/x.csv"
# ingest and window: their --metrics comes with the skeleton (branch w/skeleton)
$BIN/ingest -q --metrics "$M/ingest.prom" "$T/x.csv" 2> /dev/null |
	$BIN/window -q --metrics "$M/window.prom" -s 1 -o /dev/null 2> /dev/null
rm -f "$M/ingest.prom.tmp"* "$M/window.prom.tmp"*
[ -s "$M/ingest.prom" ] || rm -f "$M/ingest.prom"
[ -s "$M/window.prom" ] || rm -f "$M/window.prom"
$BIN/sample-upload -q --every 1 --drain 0 -s "$T/spool" -u "dir:$T/up" --metrics "$M/sample-upload.prom" \
	-i "$T/f.mp" -o /dev/null
$BIN/collect -q -i "dir:$T/up" -d "$T/ds" --metrics "$M/collect.prom" &
cp=$!
n=0
while [ ! -s "$M/collect.prom" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
kill $cp; wait $cp
for f in "$M"/*.prom; do
	check "$(basename "$f"): promtool check metrics" sh -c "promtool check metrics < '$f' > '$T/lint' 2>&1 || { cat '$T/lint'; exit 1; }"
done

# ---- the dashboard ---------------------------------------------------------------------------------
check "dashboard: JSON, PromQL, metric names, programs and counters" \
	$PY - pipelines/grafana/pdm-edge.json "$M" "$T" <<'EOF'
import glob, json, os, re, subprocess, sys
dash = json.load(open(sys.argv[1]))
progs = {os.path.basename(os.path.dirname(p)) for p in glob.glob("filters/*/main.c")}
written = {}
for f in glob.glob(sys.argv[2] + "/*.prom"):
    for m in re.finditer(r'pdm_frames_total\{prog="([^"]+)",name="[^"]*",counter="([^"]+)"\}', open(f).read()):
        written.setdefault(m.group(1), set()).add(m.group(2))
assert written.keys() >= {"infer", "trigger", "sample-upload", "collect", "drift"}, written.keys()
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
assert len(exprs) >= 10
rules = ["groups:", "- name: dashboard", "  rules:"]
for i, e in enumerate(exprs):
    q = e.replace("$__rate_interval", "5m").replace("$instance", ".*").replace("$prog", ".*")
    rules += ["  - record: pdm:dashboard_%d" % i, "    expr: %s" % json.dumps(q)]
    names = set(re.findall(r"\b(pdm_[a-z_]+)\b", q))
    assert names <= {"pdm_frames_total", "pdm_running", "pdm_metrics_updated_seconds"}, names
    for sel in re.findall(r'prog=~?"([^"]+)"', q):
        if sel != ".*":
            assert set(sel.split("|")) <= progs, (sel, progs)
    m = re.search(r'prog="([^"]+)"', q)
    for sel in re.findall(r'counter=~?"([^"]+)"', q):
        for c in sel.split("|"):
            if m and m.group(1) in written:
                assert c in written[m.group(1)], (m.group(1), c, written[m.group(1)])
            else:	# ingest, window: checked once their --metrics exists
                assert any(c in s for s in written.values()) or \
                    not written.keys() >= {"ingest", "window"}, c
path = sys.argv[3] + "/rules.yml"
open(path, "w").write("\n".join(rules) + "\n")
r = subprocess.run(["promtool", "check", "rules", path], capture_output=True, text=True)
assert r.returncode == 0, r.stdout + r.stderr
print("%d queries checked" % len(exprs))
EOF

finish
