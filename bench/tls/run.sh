#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TLS probe benchmark (issue #3): nginx on loopback serves N endpoints (RSA-2048 or ECDSA P-256
# chains); in the same run and at the same concurrency we measure endpoints/s and peak memory of
#   - sovereignd's TLS probe in handshake mode and in full mode (sov_tls_bench),
#   - Prometheus blackbox_exporter's tcp+TLS module, driven by a parallel HTTP client,
#   - sslscan (one process per endpoint, on a subset: it needs ~100 connections per endpoint),
#   - `openssl s_time -new` with two clients (the machine's full-handshake rate against nginx),
# and, for the memory target, the full mode on 1,000 endpoints 64 at a time.
#
# Usage: bench/tls/run.sh [N ...]            (default: 200 1000)
# Env:   SOV_BUILD_DIR (default <repo>/build), CONCURRENCY (16), MEM_CONCURRENCY (64),
#        SSLSCAN_ENDPOINTS (32), STIME_SECONDS (5), CHAINS ("rsa ecdsa")
# Needs: nginx, prometheus-blackbox-exporter, sslscan, openssl, python3, GNU time (Debian).
# Writes results.jsonl and results.md to $SOV_BUILD_DIR/bench/tls/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${SOV_BUILD_DIR:-$here/../../build}"
bench="$build/bench/tls/sov_tls_bench"
sizes=("$@")
[ $# -eq 0 ] && sizes=(200 1000)
conc="${CONCURRENCY:-16}"
mem_conc="${MEM_CONCURRENCY:-64}"
scan_n="${SSLSCAN_ENDPOINTS:-32}"
stime="${STIME_SECONDS:-5}"
chains="${CHAINS:-rsa ecdsa}"
base_port=20000
bb_port=19115

for tool in nginx prometheus-blackbox-exporter sslscan openssl python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nginx-light prometheus-blackbox-exporter sslscan time)" >&2; exit 2; }
done
[ -x "$bench" ] || { echo "build sov_tls_bench first (ninja -C $build sov_tls_bench)" >&2; exit 2; }

work="$(mktemp -d /tmp/sov-tls-bench.XXXXXX)"
out="$build/bench/tls"
mkdir -p "$out"
: > "$out/results.jsonl"
nginx_pid="" bb_pid=""
cleanup() {
  [ -n "$bb_pid" ] && kill "$bb_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

say() { printf '==> %s\n' "$*" >&2; }
record() { echo "$1" | tee -a "$out/results.jsonl"; }

# ---- certificates: one root, one intermediate, an RSA-2048 and an ECDSA leaf
ossl() { openssl "$@" 2>/dev/null; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem \
  -days 30 -subj "/C=FR/O=Bench CA/CN=Bench Root" -addext "basicConstraints=critical,CA:TRUE"
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key -out int.csr -subj "/C=FR/O=Bench CA/CN=Bench Issuing CA"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > ca.ext
ossl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -extfile ca.ext -out int.pem
printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > leaf.ext
ossl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj "/C=FR/O=Bench/CN=localhost"
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ecdsa.key -out ecdsa.csr -subj "/C=FR/O=Bench/CN=localhost"
for k in rsa ecdsa; do
  ossl x509 -req -in $k.csr -CA int.pem -CAkey int.key -CAcreateserial -days 30 -extfile leaf.ext -out $k.crt
  cat $k.crt int.pem > $k.chain.pem
done

# ---- blackbox_exporter
cat > bb.yml <<YML
modules:
  tls_connect:
    prober: tcp
    timeout: 5s
    tcp:
      tls: true
      tls_config:
        ca_file: $work/root.pem
YML
prometheus-blackbox-exporter --config.file=bb.yml --web.listen-address=127.0.0.1:$bb_port \
  >bb.log 2>&1 &
bb_pid=$!

cat > bbclient.py <<'PY'
import concurrent.futures, json, sys, time, urllib.request
port, conc, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
eps = [l.strip() for l in open(path) if l.strip()]
def one(ep):
    url = f"http://127.0.0.1:{port}/probe?module=tls_connect&target={ep}"
    body = urllib.request.urlopen(url, timeout=30).read().decode()
    return "probe_success 1" in body
t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(conc) as ex:
    ok = sum(ex.map(one, eps))
dt = time.time() - t0
print(json.dumps({"seconds": dt, "endpoints_per_s": len(eps) / dt, "ok": ok, "errors": len(eps) - ok}))
PY

vmhwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo -1; }

start_nginx() {  # start_nginx N CHAIN
  local n="$1" chain="$2"
  [ -f nginx.pid ] && { kill "$(cat nginx.pid)" 2>/dev/null || true; sleep 0.5; }
  {
    echo "worker_processes 2; worker_rlimit_nofile 16384; pid $work/nginx.pid;"
    echo "error_log $work/nginx.err warn; events { worker_connections 8192; }"
    echo "http { access_log off; ssl_session_cache off; ssl_session_tickets off;"
    echo "  ssl_certificate $work/$chain.chain.pem; ssl_certificate_key $work/$chain.key;"
    echo "  ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;"
    for i in $(seq 0 $((n - 1))); do
      echo "  server { listen 127.0.0.1:$((base_port + i)) ssl; return 200; }"
    done
    echo "}"
  } > nginx.conf
  nginx -c "$work/nginx.conf" -p "$work" -e "$work/nginx.err"
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$((base_port + n - 1))") 2>/dev/null && break
    sleep 0.1
  done
  seq 0 $((n - 1)) | awk -v b=$base_port '{print "127.0.0.1:" b + $1}' > endpoints.txt
}

for chain in $chains; do
  for n in "${sizes[@]}"; do
    say "nginx: $n endpoints, $chain chain"
    start_nginx "$n" "$chain"
    tag="\"chain\": \"$chain\", \"n\": $n"
    for mode in handshake full; do
      r="$("$bench" endpoints.txt "$conc" "$mode" "$work/root.pem" || true)"
      record "{$tag, ${r#\{}"
    done
    bb_before="$(vmhwm "$bb_pid")"
    r="$(python3 bbclient.py $bb_port "$conc" endpoints.txt)"
    record "{$tag, \"tool\": \"blackbox_exporter\", \"concurrency\": $conc, \"peak_rss_kb\": $(vmhwm "$bb_pid"), ${r#\{}"
    head -n "$scan_n" endpoints.txt > scan.txt
    t0="$(date +%s.%N)"
    xargs -P "$conc" -I{} /usr/bin/time -f '%M' -a -o sslscan.mem sslscan --no-colour {} \
      < scan.txt > /dev/null 2>&1 || true
    t1="$(date +%s.%N)"
    peak="$(sort -n sslscan.mem | tail -1)"; rm -f sslscan.mem
    record "{$tag, \"tool\": \"sslscan\", \"concurrency\": $conc, \"endpoints\": $scan_n, \"seconds\": $(echo "$t1 - $t0" | bc -l), \"endpoints_per_s\": $(echo "$scan_n / ($t1 - $t0)" | bc -l), \"peak_rss_kb\": $peak}"
  done
  say "openssl s_time: two clients, ${stime}s, $chain chain"
  openssl s_time -connect 127.0.0.1:$base_port -new -time "$stime" > stime1.txt 2>&1 &
  p1=$!
  openssl s_time -connect 127.0.0.1:$((base_port + 1)) -new -time "$stime" > stime2.txt 2>&1 &
  p2=$!
  wait $p1 $p2 || true
  total=0 secs=0
  for f in stime1.txt stime2.txt; do
    line="$(grep 'connections in .* real seconds' "$f" | head -1)"
    c="$(echo "$line" | awk '{print $1}')"; s="$(echo "$line" | awk '{print $4}')"
    total=$((total + c)); secs="$s"
  done
  record "{\"chain\": \"$chain\", \"tool\": \"openssl s_time -new (2 clients)\", \"handshakes\": $total, \"seconds\": $secs, \"endpoints_per_s\": $(echo "$total / $secs" | bc -l)}"
  if [ "$chain" = "$(echo $chains | awk '{print $1}')" ]; then
    say "memory: full mode, 1000 endpoints, $mem_conc in flight"
    start_nginx 1000 "$chain"
    r="$("$bench" endpoints.txt "$mem_conc" full "$work/root.pem" || true)"
    record "{\"chain\": \"$chain\", \"n\": 1000, \"memory_run\": true, ${r#\{}"
  fi
done

python3 - "$out/results.jsonl" > "$out/results.md" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| chain | N | tool | concurrency | endpoints/s | peak RSS (MB) | errors |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    rss = r.get("peak_rss_kb", -1)
    print(f"| {r.get('chain','')} | {r.get('n', r.get('endpoints',''))} | {r['tool']}{' (memory run)' if r.get('memory_run') else ''} | {r.get('concurrency', 2)} | {r['endpoints_per_s']:.1f} | {rss/1024:.1f} | {r.get('errors', 0)} |")
PY
cat "$out/results.md"
