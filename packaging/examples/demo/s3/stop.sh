#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Stops the demo s3rver start.sh started (by the pid it recorded in DIR/pids).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-$here/../../../../out/demo/s3}"
[ -f "$dir/pids" ] || exit 0
while read -r pid name ep; do
  if kill "$pid" 2>/dev/null; then echo "stopped $name ($ep, pid $pid)"; fi
done < "$dir/pids"
rm -f "$dir/pids"
