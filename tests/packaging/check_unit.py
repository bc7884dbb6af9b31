#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The systemd unit (STYLE.md B15), run by ctest: `systemd-analyze verify` passes and
`systemd-analyze security --offline=true` gives an overall exposure of at most MAX.

  check_unit.py UNIT MAX
"""
import os
import re
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd="/")
    return p.returncode, p.stdout + p.stderr


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    unit, limit = os.path.abspath(argv[1]), float(argv[2])
    errors = []
    # Outside an installed system the binary and the man pages the unit names are absent:
    # those complaints are expected, any other line is an error.
    _, text = run(["systemd-analyze", "verify", unit])
    expected = re.compile(r"/usr/sbin/sovereignd is not executable|Command 'man [^']+' failed")
    rest = [l for l in text.splitlines() if l.strip() and not expected.search(l)]
    errors += [f"systemd-analyze verify {unit}: {l}" for l in rest]
    # Every directive of [Service] sits under a comment (a comment line or a block of
    # directives that one comment explains); none is left bare after a blank line.
    lines = open(unit).read().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z]\w+=", line) and (i == 0 or not lines[i - 1].strip()):
            errors.append(f"{unit}:{i + 1}: {line} has no comment above it")
    status, text = run(["systemd-analyze", "security", "--offline=true", unit])
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", text)
    if not m:
        errors.append(f"systemd-analyze security --offline=true exited {status}:\n{text}")
    elif float(m.group(1)) > limit:
        bad = "\n".join(l for l in text.splitlines() if l.startswith("✗"))
        errors.append(f"{unit}: exposure {m.group(1)} above {limit}; failing checks:\n{bad}")
    else:
        print(f"{unit}: exposure {m.group(1)} (at most {limit})")
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
