#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Builds the Debian package from a build tree and checks it (issue #9), run by ctest.

  check_deb.py BUILD_DIR SOURCE_DIR

cpack -G DEB into a temporary directory, then: the control fields (Depends from
dpkg-shlibdeps, conffiles, maintainer scripts), the file list, the man pages (gzip'd copies of
man/), the installed configuration (the example with every key commented out), and the
extracted binaries run: `sovereignd --check-config` on the installed configuration pointed at
the extracted rules, `sovereignctl --version`, `rules validate` and `providers check`.
The package is extracted with `dpkg-deb -x`, not installed: a test does not change the machine.
Needs the binaries built (ninja sovereignd sovereignctl); cpack does not build them.
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

EXPECTED_FILES = [
    "usr/sbin/sovereignd",
    "usr/bin/sovereignctl",
    "etc/sovereignd/sovereignd.yaml",
    "etc/sovereignd/rules.d",
    "usr/lib/systemd/system/sovereignd.service",
    "usr/lib/sysusers.d/sovereignd.conf",
    "usr/lib/tmpfiles.d/sovereignd.conf",
    "usr/share/sovereignd/rules/sets",
    "usr/share/sovereignd/rules/lists",
    "usr/share/sovereignd/rules/providers",
    "usr/share/sovereignd/prometheus/sovereignd-alerts.yaml",
    "usr/share/doc/sovereignd/examples/sovereignd.yaml",
    "usr/share/man/man8/sovereignd.8.gz",
    "usr/share/man/man1/sovereignctl.1.gz",
    "usr/share/man/man5/sovereignd.yaml.5.gz",
    "usr/share/man/man5/sovereign-rules.5.gz",
]
# Runtime libraries dpkg-shlibdeps must have found in the binaries (DESIGN.md section 3).
EXPECTED_DEPENDS = ["libc6", "libssl3", "libsqlite3-0", "libyaml-cpp0.7", "libsystemd0",
                    "systemd"]

errors = []


def check(condition, message):
    if not condition:
        errors.append(message)
    return condition


def run(cmd, **kw):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 60),
                           **kw)
    except OSError as e:
        return -1, f"cannot run {cmd[0]}: {e}"
    return p.returncode, p.stdout + p.stderr


def build_package(build_dir, out):
    os.makedirs(out)
    status, text = run(["cpack", "-G", "DEB", "-B", out, "--config",
                        os.path.join(build_dir, "CPackConfig.cmake")], cwd=build_dir, timeout=150)
    debs = [f for f in os.listdir(out) if f.endswith(".deb")]
    if status != 0 or len(debs) != 1:
        sys.exit(f"cpack -G DEB failed ({status}), packages {debs}:\n{text}")
    return os.path.join(out, debs[0])


def check_control(deb, work):
    _, fields = run(["dpkg-deb", "-f", deb])
    control = dict(re.findall(r"^([\w-]+): (.*)$", fields, re.M))
    check(control.get("Package") == "sovereignd", f"control: Package is {control.get('Package')}")
    check(re.match(r"\d+\.\d+\.\d+", control.get("Version", "")), "control: no Version")
    depends = re.split(r",\s*", control.get("Depends", ""))
    names = {re.split(r"[\s(]", d)[0] for d in depends if d}
    for lib in EXPECTED_DEPENDS:
        check(lib in names, f"control: Depends lacks {lib}: {control.get('Depends')}")
    check("ca-certificates" in control.get("Recommends", ""), "control: Recommends lacks "
          "ca-certificates")
    ctrl = os.path.join(work, "DEBIAN")
    run(["dpkg-deb", "-e", deb, ctrl])
    conffiles = open(os.path.join(ctrl, "conffiles")).read().split() if os.path.exists(
        os.path.join(ctrl, "conffiles")) else []
    check("/etc/sovereignd/sovereignd.yaml" in conffiles,
          f"control: conffiles lacks /etc/sovereignd/sovereignd.yaml: {conffiles}")
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(ctrl, script)
        check(os.path.exists(path) and os.access(path, os.X_OK),
              f"control: {script} missing or not executable")
    postinst = open(os.path.join(ctrl, "postinst")).read()
    check("systemd-sysusers" in postinst and "systemd-tmpfiles" in postinst,
          "control: postinst does not run systemd-sysusers and systemd-tmpfiles")


def check_files(root, source_dir):
    for path in EXPECTED_FILES:
        check(os.path.exists(os.path.join(root, path)), f"package lacks /{path}")
    for path in ("usr/sbin/sovereignd", "usr/bin/sovereignctl"):
        check(os.access(os.path.join(root, path), os.X_OK), f"/{path} is not executable")
    check(not os.path.exists(os.path.join(root, "usr/local")), "package has files in /usr/local")
    # The rule sets are the source tree's, all of them.
    for sub in ("sets", "lists", "providers"):
        src = sorted(os.path.relpath(os.path.join(d, f), os.path.join(source_dir, "rules", sub))
                     for d, _, fs in os.walk(os.path.join(source_dir, "rules", sub))
                     for f in fs if f.endswith(".yaml"))
        dst_dir = os.path.join(root, "usr/share/sovereignd/rules", sub)
        dst = sorted(os.path.relpath(os.path.join(d, f), dst_dir)
                     for d, _, fs in os.walk(dst_dir) for f in fs)
        check(src == dst, f"rules/{sub}: package differs from the source tree: "
              f"missing {sorted(set(src) - set(dst))}, extra {sorted(set(dst) - set(src))}")
    # Each man page is the gzip'd source page.
    for page in sorted(os.listdir(os.path.join(source_dir, "man"))):
        m = re.match(r".*\.([158])$", page)
        if not m:
            continue
        gz = os.path.join(root, "usr/share/man", "man" + m.group(1), page + ".gz")
        if check(os.path.exists(gz), f"package lacks /usr/share/man/man{m.group(1)}/{page}.gz"):
            same = gzip.open(gz).read() == open(os.path.join(source_dir, "man", page), "rb").read()
            check(same, f"{gz}: differs from man/{page}")


def check_config(root, source_dir):
    """Uncommenting the key lines gives back the example's body. installed_config.cmake puts
    a bare "#" before each key line: "#node: x" at the top level, "#  interval: 1h" below
    (YAML indentation is two spaces or more); an explanation is "# text" or "  # text"."""
    installed = open(os.path.join(root, "etc/sovereignd/sovereignd.yaml")).read()
    example = open(os.path.join(source_dir, "packaging/examples/sovereignd.yaml")).read()
    active = [l for l in installed.splitlines() if l and not l.lstrip().startswith("#")]
    check(active == [], f"/etc/sovereignd/sovereignd.yaml has active lines: {active[:3]}")
    uncommented = re.sub(r"(?m)^#(?=[^ #\n]|  +[^ #\n])", "", installed)
    body = example.split("\n\n", 1)[1]
    check(uncommented.endswith(body), "/etc/sovereignd/sovereignd.yaml: uncommenting its keys "
          "does not give packaging/examples/sovereignd.yaml back (every key must be there)")
    return installed


def check_binaries(root, work, installed_config):
    sovereignd = os.path.join(root, "usr/sbin/sovereignd")
    ctl = os.path.join(root, "usr/bin/sovereignctl")
    rules = os.path.join(root, "usr/share/sovereignd/rules")
    # The installed file, with its compiled-in default paths moved into the extracted tree.
    config = os.path.join(work, "sovereignd.yaml")
    with open(config, "w") as f:
        f.write(installed_config + f"\nstore: {work}/sovereignd.db\n"
                f"rules: [{rules}, {root}/etc/sovereignd/rules.d]\n")
    status, text = run([sovereignd, "--check-config", "--config", config])
    check(status == 0 and re.search(r": ok \(0 targets, [1-9]\d* rules\)", text),
          f"extracted sovereignd --check-config exited {status}:\n{text}")
    for program in (sovereignd, ctl):
        status, text = run([program, "--version"])
        name = os.path.basename(program)
        check(status == 0 and text.startswith(name + " "), f"{name} --version: {status} {text}")
        for lib in ("OpenSSL", "SQLite", "yaml-cpp", "Boost"):
            check(re.search(rf"^\s+{lib} .*\d+\.\d+", text, re.M),
                  f"extracted {name} --version lacks {lib}:\n{text}")
    status, text = run([ctl, "rules", "validate", rules])
    check(status == 0, f"extracted sovereignctl rules validate {rules} exited {status}:\n{text}")
    status, text = run([ctl, "providers", "--registry", os.path.join(rules, "providers"), "check"])
    check(status == 0, f"extracted sovereignctl providers check exited {status}:\n{text}")


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    build_dir, source_dir = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    for binary in ("daemon/app/sovereignd", "daemon/cli/sovereignctl"):
        if not os.path.exists(os.path.join(build_dir, binary)):
            sys.exit(f"{build_dir}/{binary} is not built: ninja sovereignd sovereignctl first")
    work = tempfile.mkdtemp(prefix="sov-deb-")
    try:
        deb = build_package(build_dir, os.path.join(work, "out"))
        root = os.path.join(work, "root")
        status, text = run(["dpkg-deb", "-x", deb, root])
        if status != 0:
            sys.exit(f"dpkg-deb -x {deb}: {text}")
        check_control(deb, work)
        check_files(root, source_dir)
        installed = check_config(root, source_dir)
        check_binaries(root, work, installed)
        print(f"{os.path.basename(deb)}: {os.path.getsize(deb) // 1024} KiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
