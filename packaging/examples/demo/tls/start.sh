#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Starts the demo estate's TLS endpoints on 127.0.0.1 with `openssl s_server`, certificates
# generated now with the openssl command line (nothing is committed):
#
#   18443  good     ECDSA P-256 leaf + intermediate, TLS 1.2-1.3, AEAD suites only
#   18444  legacy   self-signed RSA-1024 SHA-1 certificate, TLS 1.0-1.2, static RSA and CBC
#   18445  expired  expired leaf, complete chain
#   18446  partial  leaf for another name, intermediate not served
#
# Usage: start.sh [DIR]   (default DIR: <repo>/out/demo/tls). Writes DIR/root.pem (the trust
# store the demo targets use) and DIR/pids; prints one line per endpoint. stop.sh DIR stops them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-$here/../../../../out/demo/tls}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
"$here/stop.sh" "$dir" >/dev/null 2>&1 || true
cd "$dir"

ossl() { openssl "$@" 2>/dev/null; }
ext() { printf '%s\n' "$@" > "$dir/ext.cnf"; }

# Root and intermediate (EC P-384), ten years.
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout root.key -out root.pem \
  -days 3650 -subj "/C=FR/O=Sovereign Demo CA/CN=Sovereign Demo Root" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout int.key -out int.csr \
  -subj "/C=FR/O=Sovereign Demo CA/CN=Sovereign Demo Issuing CA"
ext "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign"
ossl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1825 -sha384 \
  -extfile ext.cnf -out int.pem

leaf() {  # leaf NAME SAN DAYS [extra x509 args...]
  local name="$1" san="$2" days="$3"
  shift 3
  ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" -out "$name.csr" \
    -subj "/C=FR/O=Sovereign Demo Site/CN=${san#DNS:}"
  ext "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=$san"
  ossl x509 -req -in "$name.csr" -CA int.pem -CAkey int.key -CAcreateserial -days "$days" \
    -sha256 -extfile ext.cnf -out "$name.pem" "$@"
}
leaf good "DNS:localhost,IP:127.0.0.1" 90
leaf partial "DNS:wrong.example" 90
# Expired: valid from 100 days ago for 90 days (x509 -not_before/-not_after need OpenSSL 3.4,
# so sign with a faked start through the CA's -preserve_dates on a pre-dated request).
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout expired.key -out expired.csr \
  -subj "/C=FR/O=Sovereign Demo Site/CN=localhost"
ext "basicConstraints=CA:FALSE" "subjectAltName=DNS:localhost,IP:127.0.0.1"
mkdir -p ca/newcerts && : > ca/index.txt && echo 1000 > ca/serial
cat > ca.cnf <<CNF
[ca]
default_ca = demo
[demo]
dir = $dir/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
CNF
start="$(date -u -d '-100 days' +%Y%m%d%H%M%SZ)"
end="$(date -u -d '-10 days' +%Y%m%d%H%M%SZ)"
ossl ca -batch -config ca.cnf -cert int.pem -keyfile int.key -in expired.csr -out expired.pem \
  -startdate "$start" -enddate "$end" -extfile ext.cnf -notext
# Legacy: self-signed RSA-1024 signed with SHA-1.
ossl req -x509 -newkey rsa:1024 -sha1 -nodes -keyout legacy.key -out legacy.pem -days 365 \
  -subj "/C=US/O=Legacy Corp/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"

: > pids
serve() {  # serve NAME PORT CERT KEY [s_server args...]
  local name="$1" port="$2" cert="$3" key="$4"
  shift 4
  openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$cert" -key "$key" "$@" \
    >"$dir/$name.log" 2>&1 &
  echo "$! $name 127.0.0.1:$port" >> pids
}
serve good 18443 good.pem good.key -cert_chain int.pem -min_protocol TLSv1.2 \
  -cipher 'ECDHE+AESGCM:ECDHE+CHACHA20'
serve legacy 18444 legacy.pem legacy.key -min_protocol TLSv1 -max_protocol TLSv1.2 \
  -cipher 'AES128-SHA:ECDHE-RSA-AES128-SHA:AES256-GCM-SHA384:@SECLEVEL=0'
serve expired 18445 expired.pem expired.key -cert_chain int.pem -min_protocol TLSv1.2
serve partial 18446 partial.pem partial.key -min_protocol TLSv1.2

# Wait until each listens (readiness, up to 5 s), then report.
for _ in $(seq 50); do
  ok=1
  while read -r pid name ep; do
    (exec 3<>"/dev/tcp/${ep%:*}/${ep##*:}") 2>/dev/null || ok=0
  done < pids
  [ "$ok" = 1 ] && break
  sleep 0.1
done
while read -r pid name ep; do echo "tls demo endpoint $name $ep pid $pid"; done < pids
echo "trust store: $dir/root.pem"
