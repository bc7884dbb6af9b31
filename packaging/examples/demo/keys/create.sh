#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Creates the demo estate's key custody material in DIR (default: <repo>/out/demo/keys), made
# now (nothing is committed). Needs softhsm2, opensc (pkcs11-tool) and openssl.
#
#   DIR/softhsm2.conf, DIR/tokens/    a SoftHSM2 token labelled "demo-hsm"; user PIN in
#                                     DIR/user.pin (mode 0600, never printed)
#     demo-sealed       RSA-3072 pair generated on the token, private key sensitive and not
#                       extractable (passes custody rules except KEY-P11-HARDWARE: SoftHSM is
#                       a software token)
#     demo-extractable  AES-256 generated on the token, extractable and not sensitive (fails)
#   DIR/files/good.key                EC P-256, encrypted (PKCS#8, AES-256), mode 0600
#   DIR/files/world.key               RSA-2048, unencrypted, mode 0644 (world-readable)
#   DIR/files/group-weak.key          RSA-1024, unencrypted, mode 0640 (group-readable, too small)
#   DIR/files/stray/old/backup.pem    EC P-256, unencrypted, mode 0644 (found by a directory scan)
#
# Usage: create.sh [DIR]. Run sovereignd (or sovereignctl probe ...) with
# SOFTHSM2_CONF=DIR/softhsm2.conf so the module finds the token. Re-running recreates everything.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-$here/../../../../out/demo/keys}"
for tool in softhsm2-util pkcs11-tool openssl; do
  command -v "$tool" >/dev/null || { echo "create.sh: $tool is missing (apt-get install softhsm2 opensc openssl)" >&2; exit 1; }
done
module=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*-linux-gnu/softhsm/libsofthsm2.so; do
  [ -f "$m" ] && { module="$m"; break; }
done
[ -n "$module" ] || { echo "create.sh: libsofthsm2.so not found" >&2; exit 1; }

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
rm -rf "$dir/tokens" "$dir/files"
mkdir -p "$dir/tokens" "$dir/files/stray/old"
umask 077
cat > "$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF="$dir/softhsm2.conf"

# A fresh random PIN each run, kept in a 0600 file only.
pin="$(openssl rand -hex 8)"
printf '%s\n' "$pin" > "$dir/user.pin"
chmod 0600 "$dir/user.pin"
softhsm2-util --init-token --free --label demo-hsm --so-pin "$(openssl rand -hex 8)" \
  --pin "$pin" >/dev/null
p11() { pkcs11-tool --module "$module" --token-label demo-hsm --login --pin "$pin" "$@" >/dev/null 2>&1; }
p11 --keypairgen --key-type rsa:3072 --label demo-sealed --id 01 --usage-sign --sensitive
p11 --keygen --key-type AES:32 --label demo-extractable --id 02 --extractable

# Key files: good and bad.
f="$dir/files"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc \
  -pass "file:$dir/user.pin" -out "$f/good.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$f/world.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$f/group-weak.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$f/stray/old/backup.pem" 2>/dev/null
chmod 0600 "$f/good.key"
chmod 0644 "$f/world.key" "$f/stray/old/backup.pem"
chmod 0640 "$f/group-weak.key"
chmod 0755 "$f" "$f/stray" "$f/stray/old"

echo "module  $module"
echo "conf    $dir/softhsm2.conf   (export SOFTHSM2_CONF=$dir/softhsm2.conf)"
echo "token   demo-hsm, PIN in $dir/user.pin"
echo "key     demo-sealed       RSA-3072, generated on token, sensitive, not extractable"
echo "key     demo-extractable  AES-256, generated on token, extractable, not sensitive"
echo "file    $f/good.key             EC P-256, encrypted, 0600"
echo "file    $f/world.key            RSA-2048, plain, 0644"
echo "file    $f/group-weak.key       RSA-1024, plain, 0640"
echo "file    $f/stray/old/backup.pem EC P-256, plain, 0644 (scan $f)"
