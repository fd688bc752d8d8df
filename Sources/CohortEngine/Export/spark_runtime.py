# ---------------------------------------------------------------------------------------------
# The Cohort runtime for Spark: the same in every export. It reads the workspace's tables and
# event files, applies SPEC §3–4 (event validity, duplicates, identity matching, aggregates and
# timeframes at the clock, computed attributes, segments) and writes profiles as NDJSON lines
# identical to `cohort replay --profiles-out`.
#
# Values travel through Spark as a struct V that keeps what Cohort's engine keeps: the kind of
# each value (an event's `"amount": 40` is an integer, `40.5` a double, `"40"` a string), so
# that min, max, most_frequent and distinct order and compare values exactly as the engine
# does. Its fields are ordered so that Spark's struct ordering is Cohort's value ordering:
# numbers (by value; an integer before an equal double), then strings (by UTF-8 bytes),
# booleans, dates, timestamps and lists.
#
#   r  rank: 1 number, 2 string, 3 boolean, 4 date, 5 timestamp, 6 list
#   n  the number as a double     di 0 integer, 1 double     i  the integer
#   s  the string (for a list read from an event: its JSON text)
#   b  the boolean     dt days since 1970-01-01     ts microseconds since the epoch
#   l  (aggregate results only) the items of a `distinct` list
#
# Expressions (computed attributes, segment conditions, `where`) run verbatim as Spark SQL.
# Where a value's type is only known at run time (event fields, aggregates over them), the
# rows are grouped by the kinds their values actually have and each group is evaluated with
# columns of exactly those Spark types, which is what Cohort's engine does value by value.
# ---------------------------------------------------------------------------------------------

import argparse
import datetime
import json
import math
import os
import re
import sys
import time

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400_000_000
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
MAX_LINE_BYTES = 1_048_576
NO_TIMESTAMP = -(2 ** 62)  # a table row without a timestamp sorts before every real instant

VS_DDL = "struct<r:int,n:double,di:int,i:bigint,s:string,b:boolean,dt:int,ts:bigint>"
V_DDL = VS_DDL[:-1] + ",l:array<" + VS_DDL + ">>"


# ---- events: one JSON object per line, read exactly as Cohort's engine reads them -----------

class _Num:
    """A JSON number, kept as the text it was written with."""
    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


class _Obj(list):
    """A JSON object as its (key, value) members in order."""


def _no_constant(name):
    raise ValueError("not JSON: " + name)


_DECODER = []  # made on first use in each worker (a decoder cannot be shipped to one)


def _loads(text):
    if not _DECODER:
        _DECODER.append(json.JSONDecoder(object_pairs_hook=_Obj, parse_int=_Num, parse_float=_Num,
                                         parse_constant=_no_constant))
    return _DECODER[0].decode(text)


_TS = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?\Z")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_leap(y):
    return (y % 4 == 0 and y % 100 != 0) or y % 400 == 0


def _days(y, m, d):
    yy = y - 1 if m <= 2 else y
    era = (yy if yy >= 0 else yy - 399) // 400
    yoe = yy - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil(z):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + 1 if m <= 2 else y), m, d


def parse_timestamp(text, require_zone=True):
    """RFC 3339 (`T`, `t` or a space; up to nine fraction digits, truncated to microseconds;
    `Z` or ±HH:MM) to microseconds since the epoch; None when it is not one."""
    m = _TS.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(m.group(k)) for k in range(1, 7))
    frac, z, sign = m.group(7), m.group(8), m.group(9)
    if not (1 <= mo <= 12 and 1 <= d <= (29 if mo == 2 and _is_leap(y) else _DAYS_IN_MONTH[mo - 1])):
        return None
    if h >= 24 or mi >= 60 or s >= 60:
        return None
    micros = 0
    if frac is not None:
        if len(frac) > 9:
            return None
        micros = int((frac + "000000")[:6])
    offset = 0
    if sign is not None:
        oh, om = int(m.group(10)), int(m.group(11))
        if oh >= 24 or om >= 60:
            return None
        offset = (oh * 3600 + om * 60) * (-1 if sign == "-" else 1)
    elif z is None and require_zone:
        return None
    return (_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset) * US_PER_SECOND + micros


def format_timestamp(t):
    day = t // US_PER_DAY
    in_day = t - day * US_PER_DAY
    y, m, d = _civil(day)
    secs, frac = divmod(in_day, US_PER_SECOND)
    out = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, m, d, secs // 3600, secs // 60 % 60, secs % 60)
    if frac:
        out += "." + ("%06d" % frac).rstrip("0")
    return out + "Z"


def format_date(days):
    y, m, d = _civil(days)
    return "%04d-%02d-%02d" % (y, m, d)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def json_string(s):
    """A JSON string as Cohort writes it: quotes, backslashes and control characters escaped."""
    if not any(c < " " or c == '"' or c == "\\" for c in s):
        return '"' + s + '"'
    out = ['"']
    for c in s:
        out.append(_ESCAPES.get(c) or ("\\u%04x" % ord(c) if c < " " else c))
    out.append('"')
    return "".join(out)


def _json_text(v):
    """Compact JSON text of a parsed value, numbers as written (an object read as a string)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, _Num):
        return v.text
    if isinstance(v, str):
        return json_string(v)
    if isinstance(v, _Obj):
        return "{" + ",".join(json_string(k) + ":" + _json_text(x) for k, x in v) + "}"
    return "[" + ",".join(_json_text(x) for x in v) + "]"


def format_double(d):
    """The shortest text that reads back as the same double (as Swift prints it); null when
    not finite."""
    if math.isnan(d) or math.isinf(d):
        return "null"
    return repr(d)


def _number_vs(text):
    try:
        if "." not in text and "e" not in text and "E" not in text:
            i = int(text)
            if INT64_MIN <= i <= INT64_MAX:
                return (1, float(i), 0, i, None, None, None, None)
        return (1, float(text), 1, None, None, None, None, None)
    except ValueError:
        return None


def _vs(v):
    """A parsed JSON value as a V struct without its list field (None for null)."""
    if v is None:
        return None
    if v is True or v is False:
        return (3, None, None, None, None, v, None, None)
    if isinstance(v, _Num):
        return _number_vs(v.text)
    if isinstance(v, str):
        return (2, None, None, None, v, None, None, None)
    if isinstance(v, _Obj):
        return (2, None, None, None, _json_text(v), None, None, None)
    return (6, None, None, None, "[" + ",".join(_vs_json(_vs(x)) for x in v) + "]", None, None, None)


def _vs_json(x):
    """The JSON text Cohort writes for a V value."""
    if x is None:
        return "null"
    r = x[0]
    if r == 1:
        return str(x[3]) if x[2] == 0 else format_double(x[1])
    if r == 2:
        return json_string(x[4])
    if r == 3:
        return "true" if x[5] else "false"
    if r == 4:
        return '"' + format_date(x[6]) + '"'
    if r == 5:
        return '"' + format_timestamp(x[7]) + '"'
    if len(x) > 8 and x[8] is not None:
        return "[" + ",".join(_vs_json(e) for e in x[8]) + "]"
    return x[4]


_INT_TEXT = re.compile(r"[+-]?[0-9]+\Z")
_DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?\Z")
_HEX_TEXT = re.compile(r"[+-]?0[xX]([0-9a-fA-F]+[.]?[0-9a-fA-F]*|[.][0-9a-fA-F]+)([pP][+-]?[0-9]+)?\Z")
_SPECIAL_TEXT = re.compile(r"([+-]?)(inf|infinity|nan)\Z", re.IGNORECASE)


def numeric_reading(x):
    """How sum and average read a value (as Cohort's engine does): (integer, double), one of
    them set; numeric strings are cast (an integer text to an integer), other values are
    (None, None)."""
    if x is None:
        return (None, None)
    if x[0] == 1:
        return (x[3], None) if x[2] == 0 else (None, x[1])
    if x[0] != 2:
        return (None, None)
    t = x[4].strip()
    if _INT_TEXT.match(t):
        i = int(t)
        if INT64_MIN <= i <= INT64_MAX:
            return (i, None)
    try:
        if _DECIMAL_TEXT.match(t):
            d = float(t)
            return (None, d) if math.isfinite(d) else (None, None)
        if _HEX_TEXT.match(t):
            d = float.fromhex(t)
            return (None, d) if math.isfinite(d) else (None, None)
    except (ValueError, OverflowError):
        return (None, None)
    m = _SPECIAL_TEXT.match(t)
    if m:
        word = m.group(2).lower()
        return (None, math.nan if word == "nan" else (-math.inf if m.group(1) == "-" else math.inf))
    return (None, None)


def _last(members, key):
    found = None
    for k, v in members:
        if k == key:
            found = (v,)
    return found


def parse_event(raw, id_fields, paths):
    """One NDJSON line (bytes) to (event_id, type, micros, identity texts, field values), or
    None when the line is blank or would be quarantined."""
    if len(raw) > MAX_LINE_BYTES:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.strip(" \t\r\n"):
        return None
    try:
        obj = _loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, _Obj):
        return None
    eid = etype = ts = None
    saw_id = saw_type = saw_ts = False
    props, fields = [], []
    for k, v in obj:
        if k == "event_id":
            saw_id = True
            eid = v if isinstance(v, str) and v else None
        elif k == "type":
            saw_type = True
            etype = v if isinstance(v, str) and v else None
        elif k == "timestamp":
            saw_ts = True
            if not isinstance(v, str):
                return None
            ts = parse_timestamp(v)
            if ts is None:
                return None
        elif k == "properties":
            if isinstance(v, _Obj):
                props = v
            elif v is None:
                props = []
            else:
                return None
        else:
            fields.append((k, v))
    if not (saw_id and eid is not None and saw_type and etype is not None and saw_ts and ts is not None):
        return None
    ids = []
    for f in id_fields:
        found = _last(fields, f)
        v = found[0] if found else None
        ids.append(v if isinstance(v, str) and v else (v.text if isinstance(v, _Num) else None))
    values = []
    for p in paths:
        if p == ("timestamp",):
            values.append((5, None, None, None, None, None, None, ts))
        elif p == ("type",):
            values.append((2, None, None, None, etype, None, None, None))
        elif p == ("event_id",):
            values.append((2, None, None, None, eid, None, None, None))
        elif p[0] != "properties":
            found = _last(fields, p[0])
            values.append(_vs(found[0]) if found else None)
        else:
            members, value = props, None
            for n, key in enumerate(p[1:]):
                found = _last(members, key)
                if not found:
                    value = None
                    break
                if n == len(p) - 2:
                    value = found[0]
                elif isinstance(found[0], _Obj):
                    members = found[0]
                else:
                    value = None
                    break
            values.append(_vs(value))
    return eid, etype, ts, ids, values


# ---- SQL pieces ------------------------------------------------------------------------------

def q(name):
    """A quoted Spark SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def sql_string(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


_NULLS = {"r": "INT", "n": "DOUBLE", "di": "INT", "i": "BIGINT", "s": "STRING", "b": "BOOLEAN", "dt": "INT", "ts": "BIGINT"}


def _fields(r, parts):
    return ", ".join("'%s', %s" % (f, str(r) if f == "r" else parts.get(f, "CAST(NULL AS %s)" % t)) for f, t in _NULLS.items())


def vs_sql(r, **parts):
    """SQL for a V struct without its list field, whose given parts are SQL expressions."""
    return "named_struct(" + _fields(r, parts) + ")"


def v_sql(r, nullable_on, **parts):
    """SQL for a V struct (list field null) with the given parts; null when `nullable_on` is."""
    return "IF((%s) IS NULL, NULL, named_struct(%s, 'l', CAST(NULL AS ARRAY<%s>)))" % (nullable_on, _fields(r, parts), VS_DDL)


def v_of_vs(x):
    """SQL for the V struct holding the V-without-list value `x` (null stays null)."""
    fields = ", ".join("'%s', %s.%s" % (f, x, f) for f in _NULLS)
    return "IF(%s IS NULL, NULL, named_struct(%s, 'l', CAST(NULL AS ARRAY<%s>)))" % (x, fields, VS_DDL)


def vs_of_v(x):
    """SQL for a V value without its list field."""
    return "IF(%s IS NULL, NULL, named_struct(%s))" % (x, ", ".join("'%s', %s.%s" % (f, x, f) for f in _NULLS))


def v_int(x):
    return v_sql(1, x, n="CAST(%s AS DOUBLE)" % x, di="0", i="CAST(%s AS BIGINT)" % x)


def v_double(x):
    return v_sql(1, x, n=x, di="1")


def v_list(items):
    return "named_struct(%s, 'l', %s)" % (
        ", ".join("'%s', %s" % (f, "6" if f == "r" else "CAST(NULL AS %s)" % t) for f, t in _NULLS.items()), items)


_WS = r"[\\s\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]"


def numeric_parts(x):
    """SQL for how sum and average read the value `x`: (integer part, double part); numeric
    strings are cast (an integer text to an integer) as Cohort's engine casts them."""
    t = "regexp_replace(%s.s, '^%s+|%s+$', '')" % (x, _WS, _WS)
    is_int = "(%s.r = 2 AND %s RLIKE '^[+-]?[0-9]+$' AND CAST(%s AS BIGINT) IS NOT NULL)" % (x, t, t)
    as_int = "CASE WHEN %s.r = 1 AND %s.di = 0 THEN %s.i WHEN %s THEN CAST(%s AS BIGINT) END" % (x, x, x, is_int, t)
    dec = "CAST(%s AS DOUBLE)" % t
    as_double = (
        "CASE WHEN %s.r = 1 AND %s.di = 1 THEN %s.n "
        "WHEN %s.r = 2 AND NOT %s AND %s RLIKE '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$' "
        "AND NOT isnan(%s) AND abs(%s) <> double('Infinity') THEN %s "
        "WHEN %s.r = 2 AND %s RLIKE '^(?i)[+]?inf(inity)?$' THEN double('Infinity') "
        "WHEN %s.r = 2 AND %s RLIKE '^(?i)-inf(inity)?$' THEN double('-Infinity') "
        "WHEN %s.r = 2 AND %s RLIKE '^(?i)[+-]?nan$' THEN double('NaN') END"
    ) % (x, x, x, x, is_int, t, dec, dec, dec, x, t, x, t, x, t)
    return as_int, as_double


def kind_sql(x, list_items=True):
    """SQL naming the kind of the V value `x`: null, int, double, string, boolean, date,
    timestamp, or list:KIND for a list whose items share one kind."""
    scalar = ("CASE WHEN {x} IS NULL THEN 'null' WHEN {x}.r = 1 THEN IF({x}.di = 0, 'int', 'double') "
              "WHEN {x}.r = 2 THEN 'string' WHEN {x}.r = 3 THEN 'boolean' WHEN {x}.r = 4 THEN 'date' "
              "WHEN {x}.r = 5 THEN 'timestamp' ELSE 'json' END")
    if not list_items:
        return scalar.format(x=x)
    item = scalar.format(x="y")
    return ("CASE WHEN {x}.r = 6 AND {x}.l IS NOT NULL THEN concat('list:', CASE WHEN size({x}.l) = 0 THEN 'empty' "
            "WHEN size(array_distinct(transform({x}.l, y -> {item}))) = 1 THEN transform({x}.l, y -> {item})[0] "
            "ELSE 'mixed' END) ELSE {s} END").format(x=x, item=item, s=scalar.format(x=x))


# The Spark type a value kind becomes, and how a V struct's fields give it.
_SPARK_TYPE = {"int": "bigint", "double": "double", "string": "string", "boolean": "boolean", "date": "date",
               "timestamp": "timestamp"}
_FIELD_SQL = {"int": "{v}.i", "double": "{v}.n", "string": "{v}.s", "boolean": "{v}.b",
              "date": "date_from_unix_date({v}.dt)", "timestamp": "timestamp_micros({v}.ts)"}


def typed_sql(x, kind, static=None):
    """SQL for the V value `x` as a Spark column of the type its kind names."""
    if kind == "null":
        return "CAST(NULL AS %s)" % static if static else None
    if kind in _FIELD_SQL:
        return _FIELD_SQL[kind].format(v=x)
    if kind.startswith("list:"):
        item = kind[5:]
        if item == "empty":
            return "CAST(array() AS ARRAY<%s>)" % (static[6:-1] if static and static.startswith("array<") and static != "array<void>" else "string")
        if item in _FIELD_SQL:
            return "transform(%s.l, y -> %s)" % (x, _FIELD_SQL[item].format(v="y"))
    raise JobError("a value of kind %s cannot be given to a Spark SQL expression" % kind)


def window_sql(timeframe, now, table=False):
    """SQL that keeps the inputs of a timeframe at the clock `now` (microseconds)."""
    if timeframe == "all_time":
        return "(__ts IS NULL OR __ts <= %d)" % now if table else "__ts <= %d" % now
    n, unit = int(timeframe[:-1]), timeframe[-1]
    length = n * (US_PER_DAY if unit == "d" else 3_600_000_000)
    return "(__ts > %d AND __ts <= %d)" % (now - length, now)


def result_type(function, field_type):
    """The static type of an aggregate, as Cohort's compiler gives it (`any` when only the
    values say)."""
    if function in ("count", "count_distinct"):
        return "bigint"
    if function == "distinct":
        return "array<%s>" % ("bigint" if field_type == "int" else field_type)
    if function == "average":
        return "double"
    if function == "sum":
        return {"int": "bigint", "bigint": "bigint", "double": "double"}.get(field_type, "any")
    return "bigint" if field_type == "int" else field_type


class JobError(Exception):
    pass


# ---- the job -----------------------------------------------------------------------------------

class Job:
    """One run: the Spark session, the clock, the workspace's tables and events."""

    def __init__(self, spark, args, streams, tables):
        self.spark = spark
        self.args = args
        self.streams = streams          # [(name, file)] in cohort.yaml order
        self.table_defs = tables        # {name: (file, timestamp column or None)}
        self.collections = []
        self._tables = {}
        self.events = None
        self.now = None

    def path(self, kind, file):
        """Where a table or stream file is read from: cohort.yaml's path, or under --tables /
        --events by its file name."""
        base = self.args.tables if kind == "tables" else self.args.events
        if base:
            return base.rstrip("/") + "/" + file.split("/")[-1]
        return os.path.join(self.args.workspace, file)

    def collection(self, name, table, key):
        c = Collection(self, name, table, key, len(self.collections))
        self.collections.append(c)
        return c

    # -- tables

    def table(self, name):
        """A table with its cells typed as Cohort types them: each column takes the narrowest
        type every non-empty cell fits (integer, double, boolean, date, timestamp, string)."""
        if name in self._tables:
            return self._tables[name]
        from pyspark.sql import functions as F
        file, ts_column = self.table_defs[name]
        raw = (self.spark.read.option("header", True).option("multiLine", True).option("escape", '"')
               .option("mode", "DROPMALFORMED").option("nullValue", None).csv(self.path("tables", file)))
        columns = raw.columns
        raw = raw.select(F.monotonically_increasing_id().alias("__tr"),
                         *[F.coalesce(F.col(q(c)), F.lit("")).alias(c) for c in columns])
        checks = []
        for c in columns:
            cell = q(c)
            ne = "%s <> ''" % cell
            checks += [
                "bool_and(NOT %s OR (%s RLIKE '^[+-]?(0|[1-9][0-9]*)$' AND CAST(%s AS BIGINT) IS NOT NULL))" % (ne, cell, cell),
                "bool_and(NOT %s OR %s RLIKE '^[+-]?((0|[1-9][0-9]*)([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$')" % (ne, cell),
                "bool_and(NOT %s OR lower(%s) IN ('true', 'false'))" % (ne, cell),
                "bool_and(NOT %s OR %s IS NOT NULL)" % (ne, _date_sql(cell)),
                "bool_and(NOT %s OR %s IS NOT NULL)" % (ne, _timestamp_sql(cell)),
                "bool_or(%s)" % ne,
            ]
        flags = raw.selectExpr(*checks).collect()[0] if columns else []
        types = {}
        for k, c in enumerate(columns):
            f = flags[k * 6:(k + 1) * 6]
            types[c] = "string" if not f[5] else next(
                (t for t, ok in zip(("integer", "double", "boolean", "date", "timestamp"), f[:5]) if ok), "string")
        typed = [F.col("__tr")]
        for c in columns:
            typed.append(F.col(q(c)).alias("__text:" + c))
            typed.append(F.expr(_typed_cell(q(c), types[c])).alias(c))
        df = raw.select(*typed)
        if ts_column:
            kind = types.get(ts_column)
            ts = ("unix_micros(%s)" % q(ts_column) if kind == "timestamp" else
                  "unix_date(%s) * %d" % (q(ts_column), US_PER_DAY) if kind == "date" else "CAST(NULL AS BIGINT)")
        else:
            ts = "CAST(NULL AS BIGINT)"
        df = df.withColumn("__ts", F.expr(ts)).localCheckpoint()
        self._tables[name] = (df, types)
        return self._tables[name]

    # -- events

    def load_events(self, id_fields, paths):
        """Every valid event of every stream with the identity texts and field values the
        definitions read; duplicates (same stream and event_id) keep the earliest timestamp,
        then the earlier line. Sets the clock: --now, else the latest valid event."""
        from pyspark.sql import types as T
        sc = self.spark.sparkContext
        id_fields, paths = list(id_fields), [tuple(p) for p in paths]
        parts = []
        for si, (name, file) in enumerate(self.streams):
            lines = sc.textFile(self.path("events", file), use_unicode=False).zipWithIndex()

            def parse(rows, si=si):
                for raw, index in rows:
                    e = parse_event(raw, id_fields, paths)
                    if e is not None:
                        eid, etype, ts, ids, values = e
                        numbers = []
                        for v in values:
                            numbers += numeric_reading(v)
                        yield (si, index + 1, eid, etype, ts, *ids, *values, *numbers)
            parts.append(lines.mapPartitions(parse))
        schema = T.StructType(
            [T.StructField("__stream", T.IntegerType()), T.StructField("__line", T.LongType()),
             T.StructField("event_id", T.StringType()), T.StructField("type", T.StringType()),
             T.StructField("__ts", T.LongType())]
            + [T.StructField("__id%d" % k, T.StringType()) for k in range(len(id_fields))]
            + [T.StructField("__f%d" % k, _vs_type()) for k in range(len(paths))]
            + [f for k in range(len(paths)) for f in (T.StructField("__ni%d" % k, T.LongType()), T.StructField("__nd%d" % k, T.DoubleType()))])
        rdd = sc.union(parts) if parts else sc.emptyRDD()
        events = self.spark.createDataFrame(rdd, schema, verifySchema=False)
        events.createOrReplaceTempView("__parsed_events")
        events = self.spark.sql(
            "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY __stream, event_id ORDER BY __ts, __line) AS __n "
            "FROM __parsed_events) WHERE __n = 1").drop("__n").localCheckpoint()
        if self.args.now is not None:
            self.now = self.args.now
        else:
            latest = events.agg({"__ts": "max"}).collect()[0][0]
            if latest is None:
                raise JobError("no valid events, so no clock: give --now")
            self.now = latest
        events = events.where("__ts <= %d" % self.now).selectExpr("*", "timestamp_micros(__ts) AS `timestamp`")
        self.id_fields, self.paths = id_fields, paths
        self.events = events

    def where_flags(self, conditions):
        """Adds a boolean column per event `where` condition (`__w<k>`), evaluated verbatim by
        Spark on each group of events whose fields have the same kinds."""
        from pyspark.sql import functions as F
        if not conditions:
            return
        refs = sorted({r for c in conditions for r in c["reads"] if r not in ("type", "event_id", "timestamp")})
        columns = {r: "__f%d" % self.paths.index(_path(r)) for r in refs}
        kinds = [F.expr(kind_sql(columns[r], list_items=False)).alias("k%d" % n) for n, r in enumerate(refs)]
        combos = [tuple(row) for row in self.events.select(*kinds).distinct().collect()] if refs else [()]
        base = self.events.columns
        groups = []
        for combo in combos:
            part = self.events
            for n, r in enumerate(refs):
                part = part.where(F.expr(kind_sql(columns[r], list_items=False)) == combo[n])
            typed = {r: typed_sql(columns[r], combo[n], "void") if combo[n] != "null" else None for n, r in enumerate(refs)}
            props, top = {}, []
            for r in refs:
                col = F.lit(None) if typed[r] is None else F.expr(typed[r])
                p = _path(r)
                if p[0] == "properties":
                    node = props
                    for key in p[1:-1]:
                        node = node.setdefault(key, {})
                    node[p[-1]] = col
                else:
                    top.append(col.alias(p[0]))
            extra = top + ([_struct(props).alias("properties")] if props else [])
            part = part.select("*", *extra)
            flags = []
            for c in conditions:
                try:
                    flag = F.expr(c["where"])
                    part.select(flag).schema  # analyse now, to report which group cannot be evaluated
                except Exception as e:  # noqa: BLE001 — Spark's analysis errors have several classes
                    raise JobError("where condition of %s.%s cannot be evaluated by Spark on events whose fields are %s: %s"
                                   % (c["collection"], c["name"], dict(zip(refs, combo)), str(e).splitlines()[0]))
                flags.append(flag.alias(c["flag"]))
            groups.append(part.select(*base, *flags))
        out = groups[0]
        for g in groups[1:]:
            out = out.unionByName(g)
        self.events = out.localCheckpoint()


def _vs_type():
    from pyspark.sql import types as T
    return T._parse_datatype_string(VS_DDL)


def _path(name):
    return tuple(name.split("."))


def _struct(tree):
    from pyspark.sql import functions as F
    return F.struct(*[(_struct(v) if isinstance(v, dict) else v).alias(k) for k, v in tree.items()])


def _date_sql(cell):
    return ("CASE WHEN %s RLIKE '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN make_date(int(substr(%s, 1, 4)), "
            "int(substr(%s, 6, 2)), int(substr(%s, 9, 2))) END") % (cell, cell, cell, cell)


_TS_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$"


def _timestamp_sql(cell):
    """SQL for the RFC 3339 text `cell` in microseconds (None-safe), as Cohort parses it."""
    date = "make_date(int(substr(%s, 1, 4)), int(substr(%s, 6, 2)), int(substr(%s, 9, 2)))" % (cell, cell, cell)
    h, mi, s = ("int(substr(%s, %d, 2))" % (cell, k) for k in (12, 15, 18))
    frac = "coalesce(regexp_extract(%s, '^.{19}[.]([0-9]+)', 1), '')" % cell
    micros = "int(rpad(substr(%s, 1, 6), 6, '0'))" % frac
    zone = "regexp_extract(%s, '([+-])([0-9]{2}):([0-9]{2})$', 0)" % cell
    oh = "int(substr(%s, 2, 2))" % zone
    om = "int(substr(%s, 5, 2))" % zone
    offset = "CASE WHEN %s = '' THEN 0 ELSE IF(substr(%s, 1, 1) = '-', -1, 1) * (%s * 3600 + %s * 60) END" % (zone, zone, oh, om)
    ok = ("%s RLIKE '%s' AND %s IS NOT NULL AND %s < 24 AND %s < 60 AND %s < 60 AND (%s = '' OR (%s < 24 AND %s < 60))"
          % (cell, _TS_RE, date, h, mi, s, zone, oh, om))
    return ("CASE WHEN %s THEN (CAST(unix_date(%s) AS BIGINT) * 86400 + %s * 3600 + %s * 60 + %s - (%s)) * 1000000 + %s END"
            % (ok, date, h, mi, s, offset, micros))


def _typed_cell(cell, kind):
    empty = "%s = ''" % cell
    value = {
        "integer": "CAST(%s AS BIGINT)" % cell,
        "double": "CAST(%s AS DOUBLE)" % cell,
        "boolean": "lower(%s) = 'true'" % cell,
        "date": _date_sql(cell),
        "timestamp": "timestamp_micros(%s)" % _timestamp_sql(cell),
        "string": cell,
    }[kind]
    return "CASE WHEN %s THEN NULL ELSE %s END" % (empty, value)


_STATIC = {"integer": "bigint", "double": "double", "boolean": "boolean", "date": "date",
           "timestamp": "timestamp", "string": "string"}


def _v_of_typed(x, kind):
    """SQL for the V value of a typed column or expression of Spark type `kind`."""
    if kind in ("bigint", "int", "smallint", "tinyint"):
        return v_int("CAST(%s AS BIGINT)" % x)
    if kind in ("double", "float"):
        return v_double("CAST(%s AS DOUBLE)" % x)
    if kind.startswith("decimal"):
        scale = int(kind.rstrip(")").split(",")[1]) if "," in kind else 0
        return v_int("CAST(%s AS BIGINT)" % x) if scale == 0 else v_double("CAST(%s AS DOUBLE)" % x)
    if kind == "string":
        return v_sql(2, x, s=x)
    if kind == "boolean":
        return v_sql(3, x, b=x)
    if kind == "date":
        return v_sql(4, x, dt="unix_date(%s)" % x)
    if kind == "timestamp":
        return v_sql(5, x, ts="unix_micros(%s)" % x)
    if kind == "void":
        return "CAST(NULL AS %s)" % V_DDL
    if kind.startswith("array<"):
        # Items as V structs without their list field.
        items = "transform(%s, y -> %s)" % (x, vs_of_v(_v_of_typed("y", kind[6:-1])))
        return "IF(%s IS NULL, NULL, %s)" % (x, v_list(items))
    raise JobError("a Spark SQL result of type %s has no Cohort value" % kind)


class Collection:
    """One collection's definitions, built into one query."""

    def __init__(self, job, name, table, key, index):
        self.job, self.name, self.table_name, self.key, self.index = job, name, table, key, index
        self.links = []          # (stream name, [(event field, profile column)])
        self.attributes = []     # dicts, in definition order
        self.segments = []

    # -- declarations, as cohort.yaml lists them

    def link(self, stream, pairs):
        self.links.append((stream, [tuple(p) for p in pairs]))

    def known(self, name, column):
        self.attributes.append(dict(name=name, kind="known", column=column))

    def events(self, name, function, field=None, events=None, where=None, reads=(), timeframe="all_time"):
        self.attributes.append(dict(name=name, kind="events", function=function, field=field, events=events,
                                    where=where, reads=list(reads), timeframe=timeframe))

    def table(self, name, function, table, row, profile, field=None, where=None, timeframe="all_time"):
        self.attributes.append(dict(name=name, kind="table", function=function, table=table, row=row,
                                    profile=profile, field=field, where=where, timeframe=timeframe))

    def computed(self, name, expression, reads=()):
        self.attributes.append(dict(name=name, kind="computed", expression=expression, reads=list(reads)))

    def segment(self, name, condition, reads=()):
        self.segments.append(dict(name=name, condition=condition, reads=list(reads)))

    # -- what the job must read

    def identity_fields(self):
        return [f for _, pairs in self.links for f, _ in pairs]

    def field_paths(self):
        out = []
        for a in self.attributes:
            if a["kind"] == "events":
                if a["field"]:
                    out.append(a["field"])
                out += [r for r in a["reads"] if r not in ("type", "event_id", "timestamp")]
        return out

    def where_conditions(self):
        out = []
        for n, a in enumerate(self.attributes):
            if a["kind"] == "events" and a["where"]:
                a["flag"] = "__w%d_%d" % (self.index, n)
                out.append(dict(collection=self.name, name=a["name"], where=a["where"], reads=a["reads"], flag=a["flag"]))
        return out

    # -- the query

    def sql(self):
        """The collection's query: one row per profile, each attribute that is not computed
        as a V value (computed attributes and segments follow in `profiles`)."""
        job, now, spark = self.job, self.job.now, self.job.spark
        tdf, ttypes = job.table(self.table_name)
        view = "__c%d" % self.index
        tdf.createOrReplaceTempView(view + "_table")
        stream_index = {name: k for k, (name, _) in enumerate(job.streams)}

        # Matched events: for each linked stream, the first linking key (in order) whose value
        # matches any profile decides; the event applies to every profile it matches.
        matched = []
        for stream, pairs in self.links:
            per_pair = []
            for k, (field, column) in enumerate(pairs):
                text = q("__text:" + column)
                per_pair.append(
                    "SELECT e.*, p.__tr AS __row, %d AS __pair FROM __events e JOIN %s_table p ON e.__id%d = p.%s "
                    "WHERE e.__stream = %d AND p.%s <> ''" % (k, view, job.id_fields.index(field), text, stream_index[stream], text))
            matched.append(
                "SELECT * FROM (SELECT *, min(__pair) OVER (PARTITION BY __line) AS __first FROM (%s)) WHERE __pair = __first"
                % " UNION ALL ".join(per_pair))
        events_sql = ("\nUNION ALL\n".join(matched) if matched else
                      "SELECT e.*, CAST(NULL AS BIGINT) AS __row FROM __events e WHERE false")
        if job.args.show_sql:
            print("-- %s: events matched to profiles\n%s;\n" % (self.name, events_sql), file=sys.stderr)
        spark.sql(events_sql).localCheckpoint().createOrReplaceTempView(view + "_events")

        select = ["p.__tr AS __row", "p.%s AS __key" % q("__text:" + self.key)]
        by_events, joins, ctes = [], [], []
        table_groups = {}
        for n, a in enumerate(self.attributes):
            col = "__a%d" % n
            kind = a["kind"]
            if kind == "known":
                a["static"] = _STATIC[ttypes[a["column"]]]
                select.append("-- %s\n  %s AS %s" % (a["name"], _v_of_typed("p." + q(a["column"]), a["static"]), col))
                continue
            if kind == "computed":
                continue
            if kind == "events":
                a["static"] = result_type(a["function"], "timestamp" if a["field"] == "timestamp" else
                                          "string" if a["field"] in ("type", "event_id") else "any")
                cond = [window_sql(a["timeframe"], now)]
                if a["events"]:
                    cond.append("type IN (%s)" % ", ".join(sql_string(t) for t in a["events"]))
                if a["where"]:
                    cond.append(a["flag"])
                k = job.paths.index(_path(a["field"])) if a["field"] else None
                value = ("__f%d" % k, "__ni%d" % k, "__nd%d" % k) if k is not None else None
                rows, alias, items = view + "_events", "e", by_events
            else:
                rdf, rtypes = job.table(a["table"])
                a["static"] = result_type(a["function"], _STATIC[rtypes[a["field"]]] if a["field"] else "any")
                group = (a["table"], a["row"], a["profile"])
                if group not in table_groups:
                    alias = "t%d" % len(table_groups)
                    rdf.createOrReplaceTempView("%s_%s_source" % (view, alias))
                    spark.sql(
                        "SELECT r.*, p.__tr AS __row, coalesce(r.__ts, %d) AS __tsk FROM %s_%s_source r JOIN %s_table p "
                        "ON r.%s = p.%s WHERE r.%s <> ''" % (NO_TIMESTAMP, view, alias, view, q("__text:" + a["row"]),
                                                            q("__text:" + a["profile"]), q("__text:" + a["row"]))
                    ).localCheckpoint().createOrReplaceTempView("%s_%s" % (view, alias))
                    table_groups[group] = (alias, [])
                alias, items = table_groups[group]
                rows = "%s_%s" % (view, alias)
                cond = [window_sql(a["timeframe"], now, table=True)]
                if a["where"]:
                    cond.append("(\n%s\n)" % a["where"])
                value = None
                if a["field"]:
                    f = q(a["field"])
                    vs = vs_of_v(_v_of_typed("r." + f, _STATIC[rtypes[a["field"]]]))
                    ni, nd = _numeric_cell("r." + f, rtypes[a["field"]], vs)
                    value = (vs, ni, nd)
            parts, final, sub = _aggregate(a, value, " AND ".join(cond), col, alias, table=kind == "table")
            if sub is not None:
                ctes.append("%s AS (\n  -- %s: %s\n  %s\n)" % (col, a["name"], _describe(a), sub.replace("{rows}", rows + (" r" if kind == "table" else ""))))
                joins.append("LEFT JOIN %s ON %s.__row = p.__tr" % (col, col))
            else:
                items.append("    -- %s: %s\n    %s" % (a["name"], _describe(a), ",\n    ".join("%s AS %s" % (e, x) for x, e in parts)))
            select.append("-- %s\n  %s AS %s" % (a["name"], final, col))
        if by_events:
            ctes.append("e AS (\n  SELECT __row,\n%s\n  FROM %s_events GROUP BY __row\n)" % (",\n".join(by_events), view))
            joins.insert(0, "LEFT JOIN e ON e.__row = p.__tr")
        for (table, row, profile), (alias, items) in table_groups.items():
            if items:
                ctes.append("%s AS (\n  -- rows of %s matched by %s = %s\n  SELECT __row,\n%s\n  FROM %s_%s r GROUP BY __row\n)"
                            % (alias, table, row, profile, ",\n".join(items), view, alias))
                joins.append("LEFT JOIN %s ON %s.__row = p.__tr" % (alias, alias))
        return ("WITH " + ",\n".join(ctes) + "\n" if ctes else "") + \
            "SELECT %s\nFROM %s_table p\n%s" % (",\n  ".join(select), view, "\n".join(joins))

    def profiles(self):
        """The collection's profile lines: (collection, key, line)."""
        from pyspark.sql import functions as F
        spark = self.job.spark
        text = self.sql()
        if self.job.args.show_sql:
            print("-- collection %s\n%s;\n" % (self.name, text), file=sys.stderr)
        base = spark.sql(text).localCheckpoint()
        trace("%s: aggregates computed" % self.name)
        cols = {a["name"]: "__a%d" % n for n, a in enumerate(self.attributes)}
        computed = [a for a in self.attributes if a["kind"] == "computed"]
        order = _evaluation_order(computed)
        reads = sorted({r for a in computed for r in a["reads"]} | {r for s in self.segments for r in s["reads"]})
        statics = {a["name"]: a.get("static") for a in self.attributes}
        # The attributes whose Spark type depends on their values: group profiles by their kinds.
        dynamic = [r for r in reads if r in cols and not self._is_computed(r) and _needs_kind(statics.get(r))]
        if dynamic:
            # An attribute whose values all have one kind (nulls aside) is a column of that type;
            # only attributes of mixed kinds split the profiles into groups.
            seen = base.select(*[F.expr("collect_set(%s)" % kind_sql(cols[r])) for r in dynamic]).collect()[0]
            fixed = {}
            for r, kinds in zip(dynamic, seen):
                real = sorted(k for k in kinds if k not in ("null", "list:empty"))
                if len(real) <= 1:
                    fixed[r] = real[0] if real else ("list:empty" if "list:empty" in kinds else "null")
            for r, kind in fixed.items():
                if kind.startswith("list:") and kind != "list:empty":
                    statics[r] = None  # typed below from its kind, empty lists included
            dynamic = [r for r in dynamic if r not in fixed]
        else:
            fixed = {}
        if dynamic:
            kinds = [F.expr(kind_sql(cols[r])).alias("k%d" % n) for n, r in enumerate(dynamic)]
            combos = [tuple(x) for x in base.select(*kinds).distinct().collect()]
        else:
            combos = [()]
        trace("%s: %d group%s of value kinds" % (self.name, len(combos), "" if len(combos) == 1 else "s"))
        parts = []
        for combo in combos:
            part = base
            for n, r in enumerate(dynamic):
                part = part.where(F.expr(kind_sql(cols[r])) == combo[n])
            typed = []
            given = dict(zip(dynamic, combo))
            for r in reads:
                if r not in cols or self._is_computed(r):
                    continue
                static = statics.get(r)
                if r in fixed:
                    typed.append(F.expr(_typed_fixed(cols[r], fixed[r], static)).alias(r))
                elif r in given:
                    expr = typed_sql(cols[r], given[r], static if static and static != "any" else None)
                    typed.append(F.expr(expr).alias(r) if expr else F.lit(None).alias(r))
                else:
                    typed.append(F.expr(_typed_static(cols[r], static)).alias(r))
            part = part.select("*", *typed)
            results = {}
            for a in order:
                try:
                    part = part.select("*", F.expr(a["expression"]).alias(a["name"]))
                    results[a["name"]] = part.schema[a["name"]].dataType.simpleString()
                except Exception as e:  # noqa: BLE001 — Spark's analysis errors have several classes
                    raise JobError("computed attribute %s.%s cannot be evaluated by Spark with %s: %s"
                                   % (self.name, a["name"], given or "its inputs", str(e).splitlines()[0]))
            try:
                conds = part.select(*[F.expr(s["condition"]).alias("__s%d" % k) for k, s in enumerate(self.segments)])
                kinds = [f.dataType.simpleString() for f in conds.schema.fields]
            except Exception as e:  # noqa: BLE001
                raise JobError("a segment of %s cannot be evaluated by Spark with %s: %s"
                               % (self.name, given or "its inputs", str(e).splitlines()[0]))
            members = [(F.coalesce(F.expr(s["condition"]), F.lit(False)) if kinds[k] == "boolean" else F.lit(False)).alias("__s%d" % k)
                       for k, s in enumerate(self.segments)]
            values = [F.expr(_v_of_typed(q(a["name"]), results[a["name"]])).alias(cols[a["name"]]) if a["name"] in results
                      else F.col("__a%d" % n) for n, a in enumerate(self.attributes)]
            parts.append(part.select("__key", *values, *members))
        rows = parts[0]
        for p in parts[1:]:
            rows = rows.unionByName(p)
        names = [a["name"] for a in self.attributes]
        segment_names = [s["name"] for s in self.segments]
        head = '{"collection":' + json_string(self.name) + ',"key":'
        keys = [(',"attributes":{' if i == 0 else ",") + json_string(n) + ":" for i, n in enumerate(names)]
        seg_order = sorted(range(len(segment_names)), key=lambda k: segment_names[k])
        seg_json = [json_string(n) for n in segment_names]
        collection = self.name

        def line(row):
            out = [head, json_string(row[0])]
            if not keys:
                out.append(',"attributes":{')
            for i in range(len(names)):
                out.append(keys[i])
                out.append(_vs_json(row[1 + i]))
            out.append('},"segments":[')
            out.append(",".join(seg_json[k] for k in seg_order if row[1 + len(names) + k]))
            out.append("]}")
            return (collection, row[0], "".join(out))
        return rows.rdd.map(line)

    def _is_computed(self, name):
        return any(a["name"] == name and a["kind"] == "computed" for a in self.attributes)


def _needs_kind(static):
    return static is None or static == "any" or static.startswith("array<")


def _typed_fixed(col, kind, static):
    """SQL for a V column whose non-null values all have one kind: that type, nulls included."""
    if kind == "null":
        return "CAST(NULL AS %s)" % static if static and static != "any" and not static.startswith("array<") else "NULL"
    spark_type = _SPARK_TYPE
    if kind.startswith("list:"):
        item = kind[5:]
        t = "array<%s>" % spark_type.get(item, "string")
        if item == "empty":
            t = static if static and static.startswith("array<") and static not in ("array<any>", "array<void>") else "array<string>"
        return "CASE WHEN %s IS NULL THEN CAST(NULL AS %s) WHEN size(%s.l) = 0 THEN CAST(array() AS %s) ELSE %s END" % (
            col, t, col, t, typed_sql(col, kind) if item != "empty" else "CAST(NULL AS %s)" % t)
    return "CASE WHEN %s IS NULL THEN CAST(NULL AS %s) ELSE %s END" % (col, spark_type[kind], typed_sql(col, kind))


def _typed_static(col, static):
    """SQL for a V column whose Spark type is known statically."""
    kind = next(k for k, t in _SPARK_TYPE.items() if t == static)
    return "CASE WHEN %s IS NULL THEN CAST(NULL AS %s) ELSE %s END" % (col, static, typed_sql(col, kind))


def _evaluation_order(computed):
    by_name = {a["name"]: a for a in computed}
    done, order = set(), []

    def visit(a, seen=()):
        if a["name"] in done or a["name"] in seen:
            return
        for r in a["reads"]:
            if r in by_name:
                visit(by_name[r], seen + (a["name"],))
        done.add(a["name"])
        order.append(a)
    for a in computed:
        visit(a)
    return order


def _describe(a):
    text = a["function"]
    if a.get("field"):
        text += " of " + a["field"]
    if a.get("events"):
        text += " over " + ", ".join(a["events"])
    if a.get("table"):
        text += " over rows of " + a["table"]
    if a.get("where"):
        text += " where " + " ".join(a["where"].split())
    return text + ", " + a["timeframe"].replace("_", " ")


def _aggregate(a, value, cond, col, alias, table):
    """SQL for one aggregate: ([(column, aggregate expression)] for the GROUP BY, the final V
    expression reading those columns through `alias`, or instead a whole sub-query for
    most_frequent (its rows left as {rows}))."""
    f = a["function"]
    vs, ni, nd = value if value is not None else (None, None, None)
    cond_v = "%s AND %s IS NOT NULL" % (cond, vs) if vs is not None else cond
    ref = "%s.%s" % (alias, col)
    if f == "count":
        return [(col, "count(1) FILTER (WHERE %s)" % cond)], v_int("coalesce(%s, 0)" % ref), None
    if f == "count_distinct":
        return [(col, "size(collect_set(%s) FILTER (WHERE %s))" % (vs, cond_v))], v_int("coalesce(%s, 0)" % ref), None
    if f == "distinct":
        return ([(col, "array_sort(collect_set(%s) FILTER (WHERE %s))" % (vs, cond_v))],
                v_list("coalesce(%s, CAST(array() AS ARRAY<%s>))" % (ref, VS_DDL)), None)
    if f in ("sum", "average"):
        parts = [(col + "_ni", "count(%s) FILTER (WHERE %s)" % (ni, cond)), (col + "_nd", "count(%s) FILTER (WHERE %s)" % (nd, cond)),
                 (col + "_si", "sum(%s) FILTER (WHERE %s)" % (ni, cond)), (col + "_sd", "sum(%s) FILTER (WHERE %s)" % (nd, cond))]
        n_i, n_d = "coalesce(%s_ni, 0)" % ref, "coalesce(%s_nd, 0)" % ref
        s_i, s_d = "coalesce(%s_si, 0)" % ref, "coalesce(%s_sd, 0D)" % ref
        total = "(%s + CAST(%s AS DOUBLE))" % (s_d, s_i)
        if f == "sum":
            final = "CASE WHEN %s + %s = 0 THEN NULL WHEN %s = 0 THEN %s ELSE %s END" % (n_i, n_d, n_d, v_int(s_i), v_double(total))
        else:
            final = "CASE WHEN %s + %s = 0 THEN NULL ELSE %s END" % (n_i, n_d, v_double("%s / (%s + %s)" % (total, n_i, n_d)))
        return parts, final, None
    if f in ("min", "max"):
        return [(col, "%s(%s) FILTER (WHERE %s)" % (f, vs, cond_v))], v_of_vs(ref), None
    if f in ("first", "last"):
        tsk = "__tsk" if table else "__ts"
        t = tsk if f == "first" else "-" + tsk
        order = "named_struct('t', %s, 'id', %s, 'row', %s)" % (t, "''" if table else "event_id", "__tr" if table else "__stream")
        return [(col, "min_by(%s, %s) FILTER (WHERE %s)" % (vs, order, cond_v))], v_of_vs(ref), None
    if f == "most_frequent":
        sub = ("SELECT __row, v FROM (SELECT __row, v, row_number() OVER (PARTITION BY __row ORDER BY n DESC, v) AS k "
               "FROM (SELECT __row, %s AS v, count(1) AS n FROM {rows} WHERE %s GROUP BY __row, %s)) WHERE k = 1"
               % (vs, cond_v, vs))
        return [], v_of_vs("%s.v" % col), sub
    raise JobError("unknown function " + f)


def _numeric_cell(x, kind, vs):
    """SQL for how sum and average read a table cell of column type `kind`: (integer, double)."""
    if kind == "integer":
        return x, "CAST(NULL AS DOUBLE)"
    if kind == "double":
        return "CAST(NULL AS BIGINT)", x
    if kind == "string":
        return numeric_parts("(%s)" % vs)
    return "CAST(NULL AS BIGINT)", "CAST(NULL AS DOUBLE)"


# ---- main --------------------------------------------------------------------------------------

def _clock_udfs(spark, now):
    """current_date() and current_timestamp() read the job's clock, as they read Cohort's."""
    from pyspark.sql import types as T
    instant = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=now)
    day = datetime.date(1970, 1, 1) + datetime.timedelta(days=now // US_PER_DAY)
    spark.udf.register("current_timestamp", lambda: instant, T.TimestampType())
    spark.udf.register("current_date", lambda: day, T.DateType())


def _arguments(description, argv):
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--now", metavar="TS", help="the clock, RFC 3339 (default: the latest valid event's timestamp); "
                   "events after it are not counted, windows end at it")
    p.add_argument("--out", metavar="PATH", required=True,
                   help="where to write the profiles (a Spark text output directory; any Spark-writable URI)")
    p.add_argument("--tables", metavar="DIR", help="read each table from DIR/<its file name> instead of the workspace")
    p.add_argument("--events", metavar="DIR", help="read each stream from DIR/<its file name> instead of the workspace")
    p.add_argument("--workspace", metavar="DIR", default=None,
                   help="the workspace the relative paths of cohort.yaml start from (default: where it was exported from)")
    p.add_argument("--master", metavar="URL", help="Spark master (default: spark-submit's, or local[*] under plain python)")
    p.add_argument("--show-sql", action="store_true", help="print each collection's query on stderr")
    args = p.parse_args(argv)
    if args.now is not None:
        now = parse_timestamp(args.now)
        if now is None:
            p.error("--now %r is not an RFC 3339 timestamp with 'Z' or an offset" % args.now)
        args.now = now
    return args


def trace(what, started=[time.time()]):
    if os.environ.get("COHORT_SPARK_TRACE"):
        print("%7.1f s  %s" % (time.time() - started[0], what), file=sys.stderr)


def run(description, workspace, streams, tables, define, argv=None):
    args = _arguments(description, argv)
    args.workspace = args.workspace or workspace
    os.environ["TZ"] = "UTC"
    if hasattr(time, "tzset"):
        time.tzset()
    from pyspark.sql import SparkSession
    builder = (SparkSession.builder.appName("cohort profiles")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.ansi.enabled", "false")
               .config("spark.sql.caseSensitive", "true")
               .config("spark.executorEnv.TZ", "UTC"))
    if args.master:
        builder = builder.master(args.master)
    from pyspark import SparkConf
    conf = SparkConf()
    master = args.master or conf.get("spark.master", "local[*]")
    if master.startswith("local") and not conf.contains("spark.sql.shuffle.partitions"):
        # One machine: a few shuffle partitions per core, not Spark's cluster-sized 200.
        builder = builder.config("spark.sql.shuffle.partitions", str(4 * (os.cpu_count() or 2)))
    if master.startswith("local") and not conf.contains("spark.driver.memory"):
        # Local mode runs the executors inside the driver: give it room (Spark's default is 1g).
        builder = builder.config("spark.driver.memory", "4g")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    started = time.time()
    try:
        job = Job(spark, args, streams, tables)
        define(job)
        ids = sorted({f for c in job.collections for f in c.identity_fields()})
        paths = sorted({_path(p) for c in job.collections for p in c.field_paths()})
        trace("session")
        job.load_events(ids, paths)
        trace("events loaded, clock %s" % format_timestamp(job.now))
        job.events.createOrReplaceTempView("__events")
        job.where_flags([w for c in job.collections for w in c.where_conditions()])
        job.events.createOrReplaceTempView("__events")
        trace("where conditions")
        _clock_udfs(spark, job.now)
        lines = None
        for c in sorted(job.collections, key=lambda c: c.name.encode()):
            rdd = c.profiles()
            lines = rdd if lines is None else lines.union(rdd)
            trace("collection %s planned" % c.name)
        out = spark.createDataFrame(lines, "collection string, key string, line string")
        out.orderBy("collection", "key").select("line").write.mode("overwrite").text(args.out)
        print("cohort: profiles at %s written to %s in %.1f s" % (format_timestamp(job.now), args.out, time.time() - started),
              file=sys.stderr)
    except JobError as e:
        print("cohort: error: %s" % e, file=sys.stderr)
        return 1
    finally:
        spark.stop()
    return 0
