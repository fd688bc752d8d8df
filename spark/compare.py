#!/usr/bin/env python3
"""Compares the profiles of the exported Spark job with `cohort replay --profiles-out`.

    python3 spark/compare.py EXPECTED.ndjson ACTUAL [--rel-tol 1e-9] [--max-shown 20]

EXPECTED is the NDJSON file `cohort replay --profiles-out` wrote. ACTUAL is a file or a Spark
text output directory, whose `part-*` files are read concatenated in name order (`_SUCCESS`,
`.crc` and other hidden files are ignored; `.gz` parts are decompressed).

First says whether the two are byte-identical. If not, compares them profile by profile: the
same profiles in the same order (collection, key), and in each profile the same attributes in
the same order with the same values and the same segments. Values are compared with their JSON
kinds (the integer 3 and the double 3.0 differ; so do true and 1). Doubles are equal within a
relative tolerance (|a - b| <= rel_tol * max(|a|, |b|); a zero only equals a zero); doubles that
differ within it are counted apart and are not differences. Lines whose values all agree but
whose bytes differ otherwise (escapes, spacing) are a difference too: the contract is byte for
byte except for doubles.

Prints at most --max-shown differences, up to three doubles that differ within the tolerance
(`within tolerance: …`), then `N profiles compared, D differences (F within float
tolerance)`. Exit status: 0 when D is 0, 1 when D > 0, 2 on a usage or input error.
"""

import argparse
import gzip
import json
import math
import os
import sys


class Double:
    """A JSON number written with a fraction or an exponent, kept apart from integers."""

    __slots__ = ("text", "value")

    def __init__(self, text):
        self.text = text
        self.value = float(text)

    def __repr__(self):
        return self.text


class Obj(list):
    """A JSON object as its (key, value) pairs in the order written."""

    __slots__ = ()


def parse_line(text):
    # parse_float keeps doubles apart from integers; object_pairs_hook keeps the key order.
    return json.loads(text, parse_float=Double, object_pairs_hook=Obj)


def show(value):
    """A value as it would appear in the NDJSON (doubles as written)."""
    if isinstance(value, Double):
        return value.text
    if isinstance(value, Obj):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + show(v)
                              for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(show(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, Double):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Obj):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def is_object(value):
    return isinstance(value, Obj)


class Comparison:
    def __init__(self, rel_tol, max_shown):
        self.rel_tol = rel_tol
        self.max_shown = max_shown
        self.differences = 0
        self.within_tolerance = 0
        self.compared = 0
        self.tolerated = []      # a few doubles that differ within the tolerance, to show

    def report(self, message):
        self.differences += 1
        if self.differences <= self.max_shown:
            print(message)

    # --- values -----------------------------------------------------------------------------

    def doubles_equal(self, a, b):
        """True when equal within the tolerance; counts those that are not bit-equal."""
        x, y = a.value, b.value
        if x == y:
            if a.text != b.text:
                self.within_tolerance += 1      # same double written differently (1.5 vs 1.50)
            return True
        if math.isnan(x) and math.isnan(y):
            return True
        if x == 0.0 or y == 0.0 or math.isinf(x) or math.isinf(y):
            return False
        if abs(x - y) <= self.rel_tol * max(abs(x), abs(y)):
            self.within_tolerance += 1
            return True
        return False

    def values_equal(self, a, b):
        """Structural equality with JSON kinds; doubles within the tolerance."""
        ka, kb = kind(a), kind(b)
        if ka != kb:
            return False
        if ka == "double":
            return self.doubles_equal(a, b)
        if ka == "object":
            if [k for k, _ in a] != [k for k, _ in b]:
                return False
            return all(self.values_equal(x, y) for (_, x), (_, y) in zip(a, b))
        if ka == "array":
            if len(a) != len(b):
                return False
            return all(self.values_equal(x, y) for x, y in zip(a, b))
        return a == b

    # --- profiles ---------------------------------------------------------------------------

    def compare_profile(self, where, expected, actual):
        """Compares two parsed profile lines; returns the number of differences reported."""
        before = self.differences
        if not is_object(expected) or not is_object(actual):
            if not self.values_equal(expected, actual):
                self.report(f"{where}: expected {show(expected)}, got {show(actual)}")
            return self.differences - before
        exp, act = dict(expected), dict(actual)
        exp_keys, act_keys = [k for k, _ in expected], [k for k, _ in actual]
        for k in exp_keys:
            if k not in act:
                self.report(f"{where}: field {k} missing (expected {show(exp[k])})")
        for k in act_keys:
            if k not in exp:
                self.report(f"{where}: unexpected field {k} ({show(act[k])})")
        common = [k for k in exp_keys if k in act]
        if common != [k for k in act_keys if k in exp]:
            self.report(f"{where}: fields in another order: expected {','.join(exp_keys)}, "
                        f"got {','.join(act_keys)}")
        for k in common:
            e, a = exp[k], act[k]
            if k == "attributes" and is_object(e) and is_object(a):
                self.compare_attributes(where, e, a)
            elif k == "segments" and kind(e) == "array" and kind(a) == "array":
                self.compare_segments(where, e, a)
            elif not self.values_equal(e, a):
                self.report(f"{where} {k}: expected {show(e)}, got {show(a)}")
        return self.differences - before

    def compare_attributes(self, where, expected, actual):
        exp, act = dict(expected), dict(actual)
        exp_names, act_names = [k for k, _ in expected], [k for k, _ in actual]
        for name in exp_names:
            if name not in act:
                self.report(f"{where} attribute {name}: missing (expected {show(exp[name])})")
        for name in act_names:
            if name not in exp:
                self.report(f"{where} attribute {name}: not expected (got {show(act[name])})")
        common = [n for n in exp_names if n in act]
        if common != [n for n in act_names if n in exp]:
            at = next(i for i, (x, y) in enumerate(zip(common, [n for n in act_names if n in exp]))
                      if x != y)
            self.report(f"{where}: attributes in another order from {common[at]} "
                        f"(position {at + 1})")
        for name in common:
            e, a = exp[name], act[name]
            tolerated = self.within_tolerance
            if self.values_equal(e, a):
                if self.within_tolerance > tolerated and len(self.tolerated) < 3:
                    self.tolerated.append(f"{where} attribute {name}: expected {show(e)}, "
                                          f"got {show(a)}")
            else:
                ke, ka = kind(e), kind(a)
                note = f" ({ke} vs {ka})" if ke != ka and "null" not in (ke, ka) else ""
                self.report(f"{where} attribute {name}: expected {show(e)}, got {show(a)}{note}")

    def compare_segments(self, where, expected, actual):
        if self.values_equal(expected, actual):
            return
        missing = [s for s in expected if s not in actual]
        extra = [s for s in actual if s not in expected]
        parts = []
        if missing:
            parts.append("missing " + ", ".join(show(s) for s in missing))
        if extra:
            parts.append("not expected " + ", ".join(show(s) for s in extra))
        if not parts:
            parts.append(f"another order: expected {show(expected)}, got {show(actual)}")
        self.report(f"{where} segments: " + "; ".join(parts))


# --- input ------------------------------------------------------------------------------------


class InputError(Exception):
    pass


def read_actual(path):
    """The bytes of ACTUAL: the file, or the part files of a Spark output directory."""
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path)
                       if n.startswith("part-") and not n.endswith(".crc"))
        if not names:
            raise InputError(f"{path}: no part-* files")
        if not os.path.exists(os.path.join(path, "_SUCCESS")):
            print(f"note: {path} has no _SUCCESS marker (did the job finish?)")
        chunks = []
        for name in names:
            full = os.path.join(path, name)
            opener = gzip.open if name.endswith(".gz") else open
            with opener(full, "rb") as f:
                chunks.append(f.read())
        return b"".join(chunks), f"{len(names)} part file{'s' if len(names) != 1 else ''}"
    with open(path, "rb") as f:
        return f.read(), "a file"


def split_lines(data, label):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{label} is not UTF-8: {e}")
    lines = text.split("\n")
    final_newline = lines[-1] == ""
    if final_newline:
        lines.pop()
    return lines, final_newline


def first_byte_difference(a, b):
    n = min(len(a), len(b))
    i = 0
    step = 1 << 16
    while i < n and a[i:i + step] == b[i:i + step]:
        i += step
    while i < n and a[i] == b[i]:
        i += 1
    return i


def identity(parsed, lineno, label):
    """(collection, key) of a parsed profile line, for alignment."""
    if is_object(parsed):
        d = dict(parsed)
        c, k = d.get("collection"), d.get("key")
        if isinstance(c, str) and isinstance(k, str):
            return (c, k)
    return ("?", f"{label} line {lineno}")


def main():
    parser = argparse.ArgumentParser(
        description="Compare the Spark job's profiles with `cohort replay --profiles-out`.")
    parser.add_argument("expected", help="the NDJSON written by cohort replay --profiles-out")
    parser.add_argument("actual", help="a file, or a Spark output directory of part-* files")
    parser.add_argument("--rel-tol", type=float, default=1e-9,
                        help="relative tolerance for doubles (default 1e-9)")
    parser.add_argument("--max-shown", type=int, default=20,
                        help="differences printed at most (default 20)")
    args = parser.parse_args()

    try:
        with open(args.expected, "rb") as f:
            expected_bytes = f.read()
        actual_bytes, actual_form = read_actual(args.actual)
    except (OSError, InputError) as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 2

    cmp = Comparison(args.rel_tol, args.max_shown)
    if expected_bytes == actual_bytes:
        count = expected_bytes.count(b"\n") + (0 if expected_bytes.endswith(b"\n")
                                               or not expected_bytes else 1)
        print(f"byte-identical ({len(expected_bytes):,} bytes, {actual_form})")
        print(f"{count} profiles compared, 0 differences (0 within float tolerance)")
        return 0
    at = first_byte_difference(expected_bytes, actual_bytes)
    line = expected_bytes.count(b"\n", 0, at) + 1
    column = at - (expected_bytes.rfind(b"\n", 0, at) + 1) + 1
    print(f"not byte-identical: first difference at byte {at:,} (line {line}, column {column}); "
          f"expected {len(expected_bytes):,} bytes, got {len(actual_bytes):,} ({actual_form})")

    try:
        exp_lines, exp_nl = split_lines(expected_bytes, "expected")
        act_lines, act_nl = split_lines(actual_bytes, "actual")
    except InputError as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 2
    if exp_nl != act_nl:
        cmp.report("the expected output ends with a newline and the actual does not" if exp_nl
                   else "the actual output ends with a newline and the expected does not")
    if len(exp_lines) != len(act_lines):
        cmp.report(f"expected {len(exp_lines)} lines, got {len(act_lines)}")

    def parse_all(lines, label):
        out = []
        for i, text in enumerate(lines, 1):
            try:
                parsed = parse_line(text)
            except ValueError as e:
                cmp.report(f"{label} line {i} is not JSON ({e}): {text[:120]}")
                parsed = None
            out.append((identity(parsed, i, label), parsed, text))
        return out

    exp = parse_all(exp_lines, "expected")
    act = parse_all(act_lines, "actual")

    # Align by (collection, key): report missing, unexpected and out-of-order profiles, then
    # compare the profiles both sides have.
    act_index = {}
    for i, (ident, _, _) in enumerate(act):
        if ident in act_index:
            cmp.report(f"{ident[0]} {ident[1]}: appears more than once in the actual output")
        else:
            act_index[ident] = i
    exp_ids = {ident for ident, _, _ in exp}
    for ident, parsed, _ in exp:
        if ident not in act_index and parsed is not None:
            cmp.report(f"{ident[0]} {ident[1]}: missing from the actual output")
    for ident, parsed, _ in act:
        if ident not in exp_ids and parsed is not None:
            cmp.report(f"{ident[0]} {ident[1]}: not expected (not in the replay's profiles)")
    common_exp = [ident for ident, _, _ in exp if ident in act_index]
    common_act = [ident for ident, _, _ in act if ident in exp_ids]
    if common_exp != common_act:
        at = next(i for i, (x, y) in enumerate(zip(common_exp, common_act)) if x != y)
        cmp.report(f"profiles in another order: at position {at + 1} expected "
                   f"{common_exp[at][0]} {common_exp[at][1]}, got "
                   f"{common_act[at][0]} {common_act[at][1]}")

    for ident, e_parsed, e_text in exp:
        j = act_index.get(ident)
        if j is None or e_parsed is None:
            continue
        _, a_parsed, a_text = act[j]
        if a_parsed is None:
            continue
        cmp.compared += 1
        if e_text == a_text:
            continue
        where = f"{ident[0]} {ident[1]}"
        if cmp.compare_profile(where, e_parsed, a_parsed) == 0:
            # Same values; the bytes may still differ outside the doubles (escapes, spacing).
            e_skel, a_skel = skeleton(e_text), skeleton(a_text)
            if e_skel != a_skel:
                k = first_byte_difference(e_skel.encode(), a_skel.encode())
                cmp.report(f"{where}: same values, other bytes near column {k + 1}: "
                           f"expected …{e_skel[max(0, k - 20):k + 30]}…, "
                           f"got …{a_skel[max(0, k - 20):k + 30]}…")

    if cmp.differences > cmp.max_shown:
        print(f"… and {cmp.differences - cmp.max_shown} more")
    for example in cmp.tolerated:
        print(f"within tolerance: {example}")
    print(f"{cmp.compared} profiles compared, {cmp.differences} differences "
          f"({cmp.within_tolerance} within float tolerance)")
    return 1 if cmp.differences else 0


def skeleton(text):
    """The line with every double token replaced by '#', outside strings."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif c == "-" or c.isdigit():
            j = i + 1
            while j < n and (text[j].isdigit() or text[j] in ".eE+-"):
                j += 1
            token = text[i:j]
            out.append("#" if any(ch in token for ch in ".eE") else token)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


if __name__ == "__main__":
    sys.exit(main())
