#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs s3rver 3.x (the S3-compatible server the S3 probe's tests and the demo run) into
# PREFIX/node_modules with npm. Idempotent and offline-friendly: nothing is fetched when a 3.x is
# already there. Usage: install-s3rver.sh PREFIX   (e.g. build/node)
set -eu
prefix=${1:?usage: install-s3rver.sh PREFIX}
pkg="$prefix/node_modules/s3rver/package.json"
if [ -f "$pkg" ] && grep -q '"version": "3\.' "$pkg"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-s3rver.sh: npm is not installed (Debian package npm)" >&2
  exit 1
fi
mkdir -p "$prefix"
npm install --prefix "$prefix" s3rver@3 --no-audit --no-fund --loglevel=error >&2
