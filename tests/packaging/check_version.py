#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`--version` names the libraries it was built with (STYLE.md B15, Kea's -V), run by ctest.

  check_version.py PROGRAM...

Each program prints "NAME VERSION" then one line per library; each library's version must be
the one of the Debian -dev package this machine built against (dpkg-query), so the line is
real, not a constant.
"""
import os
import re
import subprocess
import sys

# Library as --version names it -> the -dev package whose headers the build used.
LIBRARIES = {"OpenSSL": "libssl-dev", "SQLite": "libsqlite3-dev", "yaml-cpp": "libyaml-cpp-dev",
             "Boost": "libboost-dev"}


def upstream(package):
    """"0.7.0+dfsg-8+b1" -> "0.7.0"; Boost's "1.74.0.3" -> "1.74.0"."""
    version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                             capture_output=True, text=True).stdout
    version = re.sub(r"^\d+:", "", version)
    return ".".join(re.match(r"[\d.]+", version).group(0).strip(".").split(".")[:3])


def main(argv):
    errors = []
    for program in argv[1:]:
        name = os.path.basename(program)
        p = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30)
        text = p.stdout
        if p.returncode != 0 or not re.match(rf"{name} \d+\.\d+\.\d+\n", text):
            errors.append(f"`{name} --version` exited {p.returncode}, first line not "
                          f"'{name} X.Y.Z':\n{text}{p.stderr}")
            continue
        for lib, package in LIBRARIES.items():
            m = re.search(rf"^\s+{re.escape(lib)} (.*)$", text, re.M)
            want = upstream(package)
            if not m:
                errors.append(f"`{name} --version` lacks a line for {lib}:\n{text}")
            elif want not in m.group(1):
                errors.append(f"`{name} --version` says {lib} {m.group(1)}, but {package} "
                              f"here is {want}")
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
