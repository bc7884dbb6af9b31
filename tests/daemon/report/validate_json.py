#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Validates JSON documents against a draft-07 JSON Schema with Debian's python3-jsonschema.

usage: validate_json.py SCHEMA DOCUMENT...   exit 0 valid, 1 invalid (each error printed with
its JSON path), 2 usage or unreadable file.

NIST's OSCAL schemas write XML Schema's NCName as \\p{L} / \\p{N}, which Python's `re` does not
know; they are rewritten to the closest `re` classes ([^\\W\\d_] for letters, \\d for digits;
`re` is Unicode-aware) so the pattern is checked rather than skipped.
"""
import json
import sys

import jsonschema


def translate(node):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "pattern" and isinstance(v, str):
                v = v.replace("\\p{L}", "[^\\W\\d_]").replace("\\p{N}", "\\d")
            out[k] = translate(v)
        return out
    if isinstance(node, list):
        return [translate(v) for v in node]
    return node


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = translate(json.load(f))
    except (OSError, ValueError) as e:
        print(f"{argv[1]}: {e}", file=sys.stderr)
        return 2
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    bad = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: {e}", file=sys.stderr)
            return 2
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors[:20]:
            where = "/".join(str(p) for p in e.absolute_path)
            print(f"{path}: /{where}: {e.message[:300]}", file=sys.stderr)
        if errors:
            bad += 1
        else:
            print(f"{path}: valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
