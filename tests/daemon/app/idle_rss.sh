#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Idle footprint of sovereignd (issue 7: under 20 MB resident, near-zero CPU between scans):
# 100 declared targets judged by every shipped rule set, one scan, then SECONDS (default 60) of
# idle; prints VmRSS/VmHWM, the anonymous and file-backed shares (smaps_rollup), the largest
# mappings, and the CPU ticks spent while idle.
#   tests/daemon/app/idle_rss.sh BUILD_DIR [SECONDS]
set -eu
build=${1:?usage: idle_rss.sh BUILD_DIR [SECONDS]}
seconds=${2:-60}
src=$(cd "$(dirname "$0")/../../.." && pwd)
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{
  echo "node: bench"
  echo "store: $dir/state.db"
  echo "rules: [$src/rules/lists, $src/rules/sets]"
  echo "schedule: { interval: 1h, jitter: 0% }"
  echo "http: { listen: 127.0.0.1:$port }"
  echo "control: { socket: $dir/control.sock }"
  echo "targets:"
  i=0
  while [ $i -lt 100 ]; do
    echo "  - { id: t$i, kind: declared, tags: { entity: operateur_etat, data_class: health }, declared: { location: { country: FR } } }"
    i=$((i + 1))
  done
} >"$dir/sovereignd.yaml"
"$build/daemon/app/sovereignd" --config "$dir/sovereignd.yaml" 2>"$dir/log" &
pid=$!
# The first scan: the STATUS line appears in the log as scan.finished.
n=0
until grep -qs scan.finished "$dir/log"; do
  sleep 0.2
  n=$((n + 1))
  [ $n -lt 300 ] || { cat "$dir/log"; exit 1; }
done
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
t0=$(ticks)
sleep "$seconds"
t1=$(ticks)
grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|Threads)' "/proc/$pid/status"
grep -E '^(Rss|Anonymous|Private_Dirty|Shared_Clean)' "/proc/$pid/smaps_rollup"
echo "idle CPU ticks over ${seconds}s: $((t1 - t0))"
echo "largest mappings (Rss kB, path):"
awk '/^[0-9a-f]+-[0-9a-f]+ /{name=$6; if (name=="") name="[anon]"} /^Rss:/{rss[name]+=$2} END{for (n in rss) print rss[n], n}' \
  "/proc/$pid/smaps" | sort -rn | head -12
