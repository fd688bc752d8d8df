#!/usr/bin/env python3
"""Regenerates Tests/CohortEngineTests/ExpressionSparkCases.swift from tools/spark/cases.txt.

Every line of cases.txt is one Spark SQL expression. This script evaluates each of them
with real Spark (pip install pyspark; Java 17) as

    SELECT <expression> AS v FROM profile

in a local SparkSession with ANSI mode off and the session time zone UTC, and writes the
value and type Spark returns -- or the error class when Spark rejects the expression -- into
a Swift table that ExpressionTests.swift checks the engine against. The Swift tests need
neither Spark nor Java.

`profile` is a one-row view whose columns match the attributes of the Swift test scope
(PROFILE below and `sparkProfile` in ExpressionTests.swift must agree).

The clock: Spark cannot pin current_date()/current_timestamp(), so before running a case
the script replaces them (and now()) with literals of the clock the Swift tests use,
2026-09-01T12:00:03Z. Such cases are marked `clock: true` in the generated table.

Usage:  python3 tools/spark/cases.py            (from the repository root)
        python3 tools/spark/cases.py --check    (run Spark, report differences from the
                                                 current generated file, write nothing)
"""

import datetime
import decimal
import math
import os
import re
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES = os.path.join(ROOT, "tools", "spark", "cases.txt")
OUT = os.path.join(ROOT, "Tests", "CohortEngineTests", "ExpressionSparkCases.swift")

CLOCK_DATE = "2026-09-01"
CLOCK_TS = "2026-09-01 12:00:03"

# The profile row: (column, Spark SQL literal giving its value and type).
PROFILE = [
    ("purchases_30d", "CAST(3 AS BIGINT)"),
    ("lifetime_spend", "CAST(612.5 AS DOUBLE)"),
    ("loyalty_tier", "'Gold'"),
    ("age", "CAST(34 AS INT)"),
    ("signup_date", "DATE'2025-02-03'"),
    ("last_seen", "TIMESTAMP'2026-08-30 17:04:00'"),
    ("vip", "true"),
    ("tags", "array('vip', 'email')"),
    ("nickname", "CAST(NULL AS STRING)"),
    ("missing_int", "CAST(NULL AS INT)"),
    ("missing_double", "CAST(NULL AS DOUBLE)"),
]

# A clock function: bare, or with empty parentheses (a call with arguments is left alone,
# so Spark reports its arity error).
CLOCK_RE = re.compile(r"\b(current_date|current_timestamp|now)\b(\s*\(\s*\)|(?!\s*\())", re.IGNORECASE)


def substitute_clock(sql):
    """Replaces clock functions outside string literals; returns (sql, changed)."""
    out, changed, i = [], False, 0
    # Split on quoted strings so replacements happen only outside them.
    for part in re.split(r"('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`)", sql):
        if part[:1] in ("'", '"', "`"):
            out.append(part)
            continue

        def repl(m):
            nonlocal changed
            name, parens = m.group(1).lower(), m.group(2)
            if name == "now" and not parens:
                return m.group(0)
            changed = True
            return f"DATE'{CLOCK_DATE}'" if name == "current_date" else f"TIMESTAMP'{CLOCK_TS}'"

        out.append(CLOCK_RE.sub(repl, part))
    return "".join(out), changed


def read_cases():
    """[(kind, text)] where kind is 'section' or 'case'."""
    items = []
    with open(CASES, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("## "):
                items.append(("section", line[3:].strip()))
            elif line.startswith("#"):
                continue
            else:
                items.append(("case", line.strip()))
    return items


def convert_expr(dt, name):
    """An expression that turns a value of Spark type dt into something Python reads exactly."""
    from pyspark.sql.types import ArrayType, DateType, TimestampType

    if isinstance(dt, TimestampType):
        return f"unix_micros({name})"
    if isinstance(dt, DateType):
        return f"unix_date({name})"
    if isinstance(dt, ArrayType):
        inner = convert_expr(dt.elementType, "x")
        return name if inner == "x" else f"transform({name}, x -> {inner})"
    return name


def swift_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append("\\u{%x}" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def swift_raw(s):
    hashes = "#"
    while ('"' + hashes) in s:
        hashes += "#"
    return f'{hashes}"{s}"{hashes}'


def civil_date(days):
    try:
        return (datetime.date(1970, 1, 1) + datetime.timedelta(days=days)).isoformat()
    except OverflowError:
        return None


def swift_double(x):
    if math.isnan(x):
        return ".double(.nan)"
    if math.isinf(x):
        return ".double(.infinity)" if x > 0 else ".double(-.infinity)"
    return f".double({x!r})"


def swift_value(dt, v):
    """The Swift `Value` literal for a Python value of Spark type dt (already converted)."""
    from pyspark.sql.types import (ArrayType, BooleanType, DateType, DecimalType, DoubleType,
                                   FloatType, IntegralType, StringType, TimestampType)

    if v is None:
        return ".null"
    if isinstance(dt, BooleanType):
        return f".bool({'true' if v else 'false'})"
    if isinstance(dt, IntegralType):
        return f".int({v})"
    if isinstance(dt, DoubleType):
        return swift_double(float(v))
    if isinstance(dt, DecimalType):
        # Decimals surface as Value.double rounded to their scale; a scale-0 decimal whose
        # value fits a bigint surfaces as Value.int.
        if dt.scale == 0 and -(2**63) <= int(v) < 2**63:
            return f".int({int(v)})"
        return swift_double(float(v))
    if isinstance(dt, StringType):
        return f".string({swift_string(v)})"
    if isinstance(dt, DateType):
        text = civil_date(v)
        return f".date({v})" + (f" /* {text} */" if text else "")
    if isinstance(dt, TimestampType):
        try:
            text = (datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=v)).isoformat(sep=" ")
        except OverflowError:
            text = None
        return f".timestamp({v})" + (f" /* {text} */" if text else "")
    if isinstance(dt, ArrayType):
        return ".list([" + ", ".join(swift_value(dt.elementType, x) for x in v) + "])"
    raise ValueError(f"unsupported Spark type {dt.simpleString()}")


def supported(dt):
    from pyspark.sql.types import (ArrayType, BooleanType, DateType, DecimalType, DoubleType,
                                   IntegerType, LongType, NullType, StringType, TimestampType)

    if isinstance(dt, ArrayType):
        return supported(dt.elementType)
    return isinstance(dt, (BooleanType, DateType, DecimalType, DoubleType, IntegerType, LongType,
                           NullType, StringType, TimestampType))


def error_class(e):
    for attr in ("getCondition", "getErrorClass"):
        f = getattr(e, attr, None)
        if f:
            try:
                c = f()
            except Exception:
                c = None
            if c:
                return c
    return type(e).__name__


def main():
    check_only = "--check" in sys.argv
    os.environ["TZ"] = "UTC"
    time.tzset()
    import logging
    from pyspark.sql import SparkSession

    # pyspark logs every analysis error with a stack trace; the table records them instead.
    logging.getLogger("SQLQueryContextLogger").disabled = True

    spark = (SparkSession.builder.master("local[1]")
             .appName("cohort-expression-cases")
             .config("spark.sql.ansi.enabled", "false")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "1")
             .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="cohort-spark-"))
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    spark.sql("SELECT " + ", ".join(f"{lit} AS {name}" for name, lit in PROFILE)).createOrReplaceTempView("profile")

    items = read_cases()
    lines = []
    seen = set()
    count = accepted = rejected = spark_only = 0
    for kind, text in items:
        if kind == "section":
            lines.append(f"    // {text}")
            continue
        if text in seen:
            raise SystemExit(f"duplicate case: {text}")
        seen.add(text)
        count += 1
        if count % 100 == 0:
            print(f"{count} cases…", file=sys.stderr)
        sql, clock = substitute_clock(text)
        # Parentheses and line breaks keep a trailing comment or a dangling operator inside.
        inner = f"SELECT (\n{sql}\n) AS v FROM profile"
        extra = ", clock: true" if clock else ""
        try:
            df = spark.sql(inner)
            dt = df.schema["v"].dataType
        except Exception as e:  # AnalysisException or ParseException
            lines.append(f"    .init({swift_raw(text)}, rejected: {swift_string(error_class(e))}{extra}),")
            rejected += 1
            continue
        if not supported(dt):
            # Spark accepts it, but the result type (an interval, say) is outside the subset.
            lines.append(f"    .init({swift_raw(text)}, sparkOnly: {swift_string(dt.simpleString())}{extra}),")
            spark_only += 1
            continue
        try:
            conv = convert_expr(dt, "v")
            rows = spark.sql(f"SELECT {conv} AS v FROM ({inner})").collect()
            value = swift_value(dt, rows[0][0])
            lines.append(f"    .init({swift_raw(text)}, {swift_string(dt.simpleString())}, {value}{extra}),")
            accepted += 1
        except Exception as e:  # an error at run time
            lines.append(f"    .init({swift_raw(text)}, rejected: {swift_string('RUNTIME: ' + error_class(e))}{extra}),")
            rejected += 1

    header = f"""// Generated by tools/spark/cases.py from tools/spark/cases.txt — do not edit by hand.
// Each expected value is what Spark {spark.version} returned for `SELECT <sql> AS v FROM profile`
// with spark.sql.ansi.enabled=false and spark.sql.session.timeZone=UTC; `rejected:` gives the
// error class of an expression Spark refused; `sparkOnly:` gives the type of a result Spark
// returns that the expression subset has no type for (Cohort rejects those expressions). `clock: true` marks cases whose current_date() /
// current_timestamp() were replaced by literals of the test clock, 2026-09-01T12:00:03Z.

let sparkVersion = "{spark.version}"

let sparkCases: [SparkCase] = [
"""
    text = header + "\n".join(lines) + "\n]\n"
    spark.stop()
    if check_only:
        old = open(OUT, encoding="utf-8").read() if os.path.exists(OUT) else ""
        if old == text:
            print(f"{count} cases: the generated file is up to date")
        else:
            import difflib
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True), OUT, "spark"))
            sys.exit(1)
        return
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"{count} cases ({accepted} evaluated, {rejected} rejected, {spark_only} outside the subset) written to {os.path.relpath(OUT, ROOT)} with Spark {spark.version}")


if __name__ == "__main__":
    main()
