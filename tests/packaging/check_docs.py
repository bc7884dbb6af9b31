#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The man pages against the programs (STYLE.md B15), run by ctest (tests/packaging).

  check_docs.py sections MAN_DIR
      every page has the sections B15 lists (SIGNALS only for the daemon's).
  check_docs.py options PAGE PROGRAM
      every option some `PROGRAM [SUBCOMMAND...] --help` prints is in PAGE, and every option
      PAGE documents (SYNOPSIS, OPTIONS and command sections) is printed by some --help.
      Subcommands are discovered from CLI11's "Subcommands:" blocks, recursively.
  check_docs.py keys PAGE SOVEREIGNCTL
      every key of `sovereignctl config schema --format json` (the keyword table) is in PAGE.

Each failure line names what is missing and where, e.g.
  man/sovereignctl.1: lacks --sni, printed by `sovereignctl probe tls --help`
"""
import json
import os
import re
import subprocess
import sys

PAGES = {
    "sovereignd.8": True,  # True: the daemon, which has SIGNALS
    "sovereignctl.1": False,
    "sovereignd.yaml.5": False,
    "sovereign-rules.5": False,
}
SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "FILES", "EXIT STATUS",
            "ENVIRONMENT", "EXAMPLES", "SEE ALSO"]

# An option token: "-x" or "--long-name", not inside a word ("SNC-19.6-b1", "sovereign-rules").
OPTION = re.compile(r"(?<![\w\-.])(--?[A-Za-z][A-Za-z0-9-]*)")


def rel(path):
    """The page's path as people know it (man/X), whatever directory ctest runs in."""
    return os.path.join(os.path.basename(os.path.dirname(path)), os.path.basename(path))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def roff_sections(text):
    """[(section name, first line number, [lines])] of a roff page, by .SH."""
    out = [("", 1, [])]
    for number, line in enumerate(text.splitlines(), 1):
        m = re.match(r'\.SH\s+"?([^"]*)"?\s*$', line)
        if m:
            out.append((m.group(1).strip(), number, []))
        else:
            out[-1][2].append((number, line))
    return out


def unroff(line):
    r"""Roff text without the escapes an option may carry: \-, \fB..\fR, \&."""
    line = line.replace("\\-", "-").replace("\\&", "").replace("\\(em", " ")
    return re.sub(r"\\f[BIRP]|\\f\(..", "", line)


def check_sections(man_dir):
    """The four pages of B15 must exist; every page of man/ (sovereignd-waivers(5) too) must
    carry the sections."""
    errors = []
    pages = dict(PAGES)
    for name in sorted(os.listdir(man_dir)):
        if re.search(r"\.[158]$", name):
            pages.setdefault(name, False)
    for page, daemon in pages.items():
        path = os.path.join(man_dir, page)
        if not os.path.exists(path):
            errors.append(f"{rel(path)}: missing page")
            continue
        present = {name for name, _, _ in roff_sections(read(path))}
        for section in SECTIONS + (["SIGNALS"] if daemon else []):
            if section not in present:
                errors.append(f"{rel(path)}: lacks section .SH {section}")
    return errors


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


def help_options(text):
    """Option names of one --help text: indented lines starting with '-' (CLI11's Options:
    block, or sovereignd's own layout)."""
    found = set()
    for line in text.splitlines():
        m = re.match(r"\s+(-[^\s=]*)", line)
        if m:
            found.update(n for n in m.group(1).split(",") if OPTION.fullmatch(n))
    return found


def subcommands(text):
    """Names listed under CLI11's "Subcommands:" heading."""
    names, inside = [], False
    for line in text.splitlines():
        if line.strip() == "Subcommands:":
            inside = True
        elif inside and re.match(r"\s+\S", line):
            names.append(line.split()[0])
        elif inside:
            inside = False
    return names


def collect_help(program, path=()):
    """{option: first command whose --help prints it} over the program and its subcommands."""
    cmd = [program, *path, "--help"]
    status, text = run(cmd)
    shown = " ".join([os.path.basename(program), *path, "--help"])
    if status != 0:
        raise SystemExit(f"`{shown}` exited {status}:\n{text}")
    options = {o: shown for o in help_options(text)}
    for sub in subcommands(text):
        for o, where in collect_help(program, path + (sub,)).items():
            options.setdefault(o, where)
    return options


def page_options(path):
    """{option: first line number} the page documents: SYNOPSIS, OPTIONS, and sections whose
    name says COMMAND(S) (EXAMPLES may show other programs' options, e.g. systemctl's)."""
    found = {}
    for name, _, lines in roff_sections(read(path)):
        if name not in ("SYNOPSIS", "OPTIONS") and "COMMAND" not in name:
            continue
        for number, line in lines:
            if line.startswith(".\\\""):
                continue
            for m in OPTION.finditer(unroff(line)):
                found.setdefault(m.group(1), number)
    return found


def check_options(page, program):
    in_help = collect_help(program)
    in_page = page_options(page)
    all_text = unroff(read(page))
    errors = []
    for option, where in sorted(in_help.items()):
        if not re.search(r"(?<![\w\-.])" + re.escape(option) + r"(?![\w-])", all_text):
            errors.append(f"{rel(page)}: lacks {option}, printed by `{where}`")
        elif option not in in_page:
            errors.append(f"{rel(page)}: {option} (printed by `{where}`) is mentioned but not "
                          "in SYNOPSIS, OPTIONS or a COMMANDS section")
    name = os.path.basename(program)
    for option, number in sorted(in_page.items(), key=lambda kv: kv[1]):
        if option not in in_help:
            errors.append(f"{rel(page)}:{number}: documents {option}, which no "
                          f"`{name} ... --help` prints")
    return errors


def check_keys(page, ctl):
    status, out = run([ctl, "config", "schema", "--format", "json"])
    if status != 0:
        return [f"`sovereignctl config schema --format json` exited {status}: {out}"]
    text = read(page)
    errors = []
    for key in json.loads(out):
        if f"\\fB{key['name']}\\fR" not in text:
            errors.append(f"{rel(page)}: lacks config key {key['name']} "
                          "(from daemon/config/keywords.cc)")
    return errors


def main(argv):
    if len(argv) == 3 and argv[1] == "sections":
        errors = check_sections(argv[2])
    elif len(argv) == 4 and argv[1] == "options":
        errors = check_options(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "keys":
        errors = check_keys(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
