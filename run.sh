#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sovereignd's two commands (and a few more). Each does all of its own set-up on a fresh
# Debian 12 machine: installs missing packages, configures, builds, then runs.
#
#   ./run.sh demo     audit the bundled demo estate; prints the summary and where the report is
#   ./run.sh test     build and run the whole test suite (ctest)
#   ./run.sh build    configure and build only
#   ./run.sh bench    build and run the benchmarks under bench/
#   ./run.sh package  build the Debian package: out/package/sovereignd_VERSION_ARCH.deb
#   ./run.sh deps     install the Debian packages the build and the tests need
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
build_dir="${SOV_BUILD_DIR:-$here/build}"
# ccache keyed on paths relative to the checkout, so a fresh clone elsewhere (CI) reuses what an
# earlier build on this machine compiled.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$here}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
jobs="$(nproc 2>/dev/null || echo 2)"

# DESIGN.md §3, plus the build tools and what the tests start or read.
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost-dev libssl-dev libyaml-cpp-dev nlohmann-json3-dev libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev libcli11-dev libsystemd-dev libexpected-dev
  libp11-kit-dev softhsm2 libmaxminddb-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  mandoc groff-base openssl clang-format gnutls-bin opensc
  prometheus prometheus-alertmanager systemd
  postgresql chromium python3-jsonschema dpkg-dev file cryptsetup-bin
)
# The tests' S3-compatible server (s3rver) comes from the npm registry. A machine may already
# carry a Node.js with its own npm (NodeSource's nodejs conflicts with Debian's npm package).
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
# Only for ./run.sh bench (side-by-side comparisons with peer tools).
bench_packages=(nginx-light prometheus-blackbox-exporter sslscan bc time)

say() { printf '==> %s\n' "$*" >&2; }

install_deps() {
  local missing=()
  for p in "${packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

configure() {
  local werror=OFF
  [ -n "${CI:-}" ] && werror=ON
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  if [ ! -f "$build_dir/build.ninja" ] || [ -n "${CI:-}" ]; then
    say "configuring in $build_dir (SOV_WERROR=$werror)"
    cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DSOV_WERROR="$werror" "${launcher[@]}" >/dev/null
  fi
}

build() {
  install_deps
  configure
  say "building with $jobs jobs"
  ninja -C "$build_dir" -j "$jobs" "$@"
}

cmd_demo() {
  build sovereignctl
  local out="$here/out/demo"
  mkdir -p "$out"
  rm -f "$out"/sovereignd.db "$out"/sovereignd.db-wal "$out"/sovereignd.db-shm
  local ctl="$build_dir/daemon/cli/sovereignctl"
  local cfg="$here/packaging/examples/demo/sovereignd.yaml"
  say "starting the demo TLS endpoints on 127.0.0.1"
  "$here/packaging/examples/demo/tls/start.sh" "$out/tls"
  # Expanded now: the trap runs after this function's locals are gone.
  trap "'$here/packaging/examples/demo/tls/stop.sh' '$out/tls' >/dev/null 2>&1 || true;
        '$here/packaging/examples/demo/s3/stop.sh' '$out/s3' >/dev/null 2>&1 || true" EXIT
  say "starting the demo S3 bucket (s3rver) on 127.0.0.1:18480"
  S3RVER_PREFIX="$build_dir/node" "$here/packaging/examples/demo/s3/start.sh" "$out/s3"
  say "creating the demo SoftHSM2 token and key files"
  "$here/packaging/examples/demo/keys/create.sh" "$out/keys"
  export SOFTHSM2_CONF="$out/keys/softhsm2.conf"
  # The health-data directory of the path target (its mount and encryption are audited).
  mkdir -p "$out/data/health" && chmod 0750 "$out/data/health"
  say "auditing the demo estate ($cfg)"
  local rc=0
  "$ctl" scan --config "$cfg" --db "$out/sovereignd.db" || rc=$?
  # Exit 3 means in-force failures were found: that is the demo's point, not an error.
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    say "scan failed with exit status $rc"
    exit "$rc"
  fi
  echo
  say "in-force failures, with their legal references"
  "$ctl" findings --db "$out/sovereignd.db" --status fail
  "$ctl" verify --db "$out/sovereignd.db"
  say "exporting the signed reports"
  rm -f "$out"/report.* "$out"/signing.pem "$out"/signing.pem.pub
  "$ctl" keygen --out "$out/signing.pem" >/dev/null
  local rules_dir="$here/rules"
  "$ctl" export --format html --db "$out/sovereignd.db" --rules "$rules_dir" \
    --out "$out/report.html" --sign "$out/signing.pem"
  "$ctl" export --format json --db "$out/sovereignd.db" --rules "$rules_dir" \
    --out "$out/report.json" --sign "$out/signing.pem"
  "$ctl" export --format oscal --db "$out/sovereignd.db" --rules "$rules_dir" \
    --out "$out/report.oscal.json"
  "$ctl" export --format csv --db "$out/sovereignd.db" --out "$out/report.csv"
  "$ctl" verify "$out/report.html" --pubkey "$out/signing.pem.pub" --db "$out/sovereignd.db"
  echo
  echo "Report (HTML, signed):        $out/report.html"
  echo "  signature and manifest:     $out/report.html.sig, $out/report.html.manifest.json"
  echo "Also: JSON $out/report.json, OSCAL $out/report.oscal.json, CSV $out/report.csv"
  echo "Store (SQLite, hash-chained): $out/sovereignd.db"
  echo "Explore: $ctl findings --db $out/sovereignd.db --explain hdh-aws-paris"
}

cmd_test() {
  build
  say "running the test suite"
  ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 600
}

cmd_package() {
  build sovereignd sovereignctl
  local out="$here/out/package"
  mkdir -p "$out"
  rm -f "$out"/sovereignd_*.deb
  say "building the Debian package (cpack -G DEB, cmake/SovPackaging.cmake)"
  (cd "$build_dir" && cpack -G DEB -B "$out") >"$out/cpack.log" 2>&1 || {
    cat "$out/cpack.log" >&2
    exit 1
  }
  rm -rf "$out/_CPack_Packages"
  local deb
  deb="$(ls "$out"/sovereignd_*.deb)"
  dpkg-deb --field "$deb" Package Version Architecture Depends Recommends
  echo
  echo "Package: $deb"
  echo "Install: sudo apt install $deb"
  echo "Then:    edit /etc/sovereignd/sovereignd.yaml; sudo systemctl enable --now sovereignd"
}

cmd_bench() {
  install_deps "${bench_packages[@]}"
  build
  for b in "$build_dir"/bench/sov_*_bench; do
    [ -x "$b" ] || continue
    [ "$(basename "$b")" = sov_tls_bench ] && continue  # driven by bench/tls/run.sh
    say "$(basename "$b")"
    "$b" --benchmark_min_time=0.5
  done
  say "TLS probe against peer tools (bench/tls/run.sh)"
  SOV_BUILD_DIR="$build_dir" "$here/bench/tls/run.sh"
}

case "${1:-}" in
  demo) cmd_demo ;;
  test) cmd_test ;;
  build) build ;;
  bench) cmd_bench ;;
  package) cmd_package ;;
  deps) install_deps ;;
  *)
    sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
