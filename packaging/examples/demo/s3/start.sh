#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Starts the demo estate's S3 bucket: a real s3rver (npm s3rver 3.x) on https://127.0.0.1:18480
# with the bucket hdh-demo-exports, its certificate from a CA generated now with the openssl
# command line (nothing is committed). s3rver implements GetBucketLocation only, so the demo
# shows the S3 probe's facts for the location and TLS and, for encryption, replication,
# versioning, object lock and public access, explicit unknowns with the reason.
#
# Usage: start.sh [DIR]   (default DIR: <repo>/out/demo/s3). s3rver comes from $S3RVER_PREFIX
# (default <repo>/build/node), installed there by tests/probes/s3/install-s3rver.sh when absent.
# Writes DIR/root.pem (the trust store of the demo target), DIR/credentials (s3rver's built-in
# key pair, S3RVER/S3RVER: a test server's, not a secret) and DIR/pids. stop.sh DIR stops it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
dir="${1:-$repo/out/demo/s3}"
prefix="${S3RVER_PREFIX:-$repo/build/node}"
port=18480
bucket=hdh-demo-exports
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
"$here/stop.sh" "$dir" >/dev/null 2>&1 || true
"$repo/tests/probes/s3/install-s3rver.sh" "$prefix"
cd "$dir"

ossl() { openssl "$@" 2>/dev/null; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem \
  -days 3650 -subj "/C=FR/O=Sovereign Demo S3 CA/CN=Sovereign Demo S3 Root" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout s3.key -out s3.csr \
  -subj "/C=FR/O=Sovereign Demo Storage/CN=localhost"
printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" > ext.cnf
ossl x509 -req -in s3.csr -CA root.pem -CAkey root.key -CAcreateserial -days 90 -sha256 \
  -extfile ext.cnf -out s3.pem
umask 077
printf '[default]\naccess_key_id = S3RVER\nsecret_access_key = S3RVER\n' > credentials
umask 022

mkdir -p data
node "$prefix/node_modules/s3rver/bin/s3rver.js" -d "$dir/data" -a 127.0.0.1 -p "$port" \
  --key s3.key --cert s3.pem --silent --configure-bucket "$bucket" >"$dir/s3rver.log" 2>&1 &
echo "$! s3rver 127.0.0.1:$port" > pids
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
echo "s3 demo bucket $bucket https://127.0.0.1:$port pid $(cut -d' ' -f1 pids)"
echo "trust store: $dir/root.pem"
