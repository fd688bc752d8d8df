#!/usr/bin/env python3
"""The DuckDB peer of bench/peers.sh.

Computes a Cohort workspace's attributes and segments with DuckDB, as one batch, from the same
files `cohort replay` reads, at the same clock (the largest valid event timestamp), and times
the load (files into tables) and the query (dedup, identity matching, aggregates, computed
attributes, segments) separately. With --cohort-profiles it then compares the values with
Cohort's `replay --profiles-out` file (untimed).

The SQL is generated from cohort.yaml:
  * every event aggregate (count, count_distinct, distinct, sum, average, min, max,
    most_frequent, first, last; `where`; all_time / Nd / Nh as now - N < ts <= now);
  * every table aggregate over a related table (unified_transactions);
  * known attributes (columns, typed by SPEC's CSV rules);
  * computed attributes and segment conditions, by a small Spark SQL -> DuckDB rewrite
    (current_date(), datediff, to_date, <=>); one that DuckDB cannot run is reported and skipped.
Event handling follows SPEC §3: quarantine (invalid JSON, missing event_id/type/timestamp, a
timestamp that is not RFC 3339 with Z or an offset, properties not an object), duplicates
(per stream, the earliest timestamp counts), identity matching (a list of linking keys tried
in order: the first key whose value matches any profile decides; text compared exactly; one
event may match several profiles).
"""
import argparse
import json
import math
import os
import random
import re
import sys
import time
from datetime import datetime, timedelta, timezone

import duckdb
import yaml

RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"


def q(name):
    return '"' + name.replace('"', '""') + '"'


def lit(s):
    return "'" + str(s).replace("'", "''") + "'"


def window_micros(tf):
    if tf in (None, "all_time"):
        return None
    m = re.fullmatch(r"(\d+)([dh])", str(tf))
    if not m:
        raise ValueError(f"timeframe {tf!r}")
    return int(m.group(1)) * (86400 if m.group(2) == "d" else 3600) * 1_000_000


# ---------------------------------------------------------------- Spark SQL -> DuckDB rewrite

def split_call(text, start):
    """text[start] is '('; returns (args, index after the matching ')')."""
    depth, i, args, cur, quote = 0, start, [], "", None
    while i < len(text):
        ch = text[i]
        if quote:
            cur += ch
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
            cur += ch
        elif ch == "(":
            depth += 1
            if depth > 1:
                cur += ch
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append(cur.strip())
                return args, i + 1
            cur += ch
        elif ch == "," and depth == 1:
            args.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    raise ValueError("unbalanced parentheses in " + text)


def spark_to_duckdb(expr, today, now_ts):
    """Rewrites the Spark SQL subset the workspace uses into DuckDB SQL."""
    out, i = "", 0
    pattern = re.compile(r"\b(current_date|current_timestamp|datediff|to_date)\s*\(", re.I)
    while True:
        m = pattern.search(expr, i)
        if not m:
            out += expr[i:]
            break
        out += expr[i:m.start()]
        args, end = split_call(expr, m.end() - 1)
        fn = m.group(1).lower()
        args = [spark_to_duckdb(a, today, now_ts) for a in args if a != ""]
        if fn == "current_date":
            out += f"DATE '{today}'"
        elif fn == "current_timestamp":
            out += f"TIMESTAMP '{now_ts}'"
        elif fn == "to_date":
            out += f"TRY_CAST({args[0]} AS DATE)"
        else:  # datediff(end, start) in days
            out += f"(TRY_CAST({args[0]} AS DATE) - TRY_CAST({args[1]} AS DATE))"
        i = end
    return out.replace("<=>", " IS NOT DISTINCT FROM ")


def identifiers(expr):
    no_strings = re.sub(r"'[^']*'", "", expr)
    return set(re.findall(r"\b[A-Za-z_][A-Za-z0-9_]*\b", no_strings))


# ---------------------------------------------------------------- the workspace as SQL

class Peer:
    def __init__(self, ws, threads):
        self.ws = ws
        self.y = yaml.safe_load(open(os.path.join(ws, "cohort.yaml")))
        self.db = duckdb.connect()
        if threads:
            self.db.execute(f"SET threads = {int(threads)}")
        self.threads = self.db.execute("SELECT current_setting('threads')").fetchone()[0]
        self.skipped = []   # (collection, name, why)

    def path(self, p):
        return p if p.startswith("/") else os.path.join(self.ws, p)

    # -- what the definitions read
    def event_fields(self):
        """Property fields read by event aggregates (field or where), and which are read as numbers."""
        fields, numeric = set(), set()
        for c in self.y["collections"].values():
            for a in c.get("attributes", []):
                if "function" not in a or "table" in a:
                    continue
                f = a.get("field", "")
                if f.startswith("properties."):
                    fields.add(f.split(".", 1)[1])
                    if a["function"] in ("sum", "average", "min", "max"):
                        numeric.add(f.split(".", 1)[1])
                for m in re.finditer(r"properties\.(\w+)(\s*(=|!=|<>|>=|<=|>|<)\s*-?\d)?", a.get("where", "")):
                    fields.add(m.group(1))
                    if m.group(2):
                        numeric.add(m.group(1))
        return sorted(fields), numeric

    def identity_fields(self):
        out = set()
        for c in self.y["collections"].values():
            for s in c.get("streams", []):
                m = s["match"]
                for pair in (m if isinstance(m, list) else [m]):
                    out.add(pair["event"])
        return sorted(out)

    # -- load: files into tables (timed)
    def load(self):
        streams = self.y["streams"]
        files = {self.path(s["file"]): name for name, s in streams.items() if s.get("file")}
        self.fields, self.numeric = self.event_fields()
        idents = self.identity_fields()
        cols = {"event_id": "VARCHAR", "type": "VARCHAR", "timestamp": "VARCHAR", "properties": "JSON"}
        for f in idents:
            cols[f] = "VARCHAR"
        colspec = "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in cols.items()) + "}"
        filelist = "[" + ", ".join(lit(f) for f in files) + "]"
        stream_case = "CASE filename " + " ".join(f"WHEN {lit(f)} THEN {lit(n)}" for f, n in files.items()) + " END"
        paths = "[" + ", ".join(lit("$." + f) for f in self.fields) + "]"
        props = [f"pv[{k + 1}] AS {q('p_' + f)}" for k, f in enumerate(self.fields)]
        props += [f"TRY_CAST(pv[{k + 1}] AS DOUBLE) AS {q('n_' + f)}" for k, f in enumerate(self.fields) if f in self.numeric]
        ident_cols = "".join(", " + q(f) for f in idents)
        # Valid lines: JSON that parsed, required fields present, RFC 3339 timestamp with a zone,
        # properties absent or an object. Everything else is quarantined (as Cohort does).
        self.db.execute(f"""
            CREATE TABLE events AS
            SELECT stream, event_id, type, make_timestamp(us) AS ts{ident_cols}{"".join(", " + p for p in props)}
            FROM (SELECT {stream_case} AS stream, event_id, type,
                         epoch_us(TRY_CAST("timestamp" AS TIMESTAMPTZ)) AS us{ident_cols},
                         json_extract_string(properties, {paths}) AS pv
                  FROM read_json({filelist}, format='newline_delimited', ignore_errors=true,
                                 filename=true, columns={colspec})
                  WHERE event_id IS NOT NULL AND type IS NOT NULL
                    AND regexp_full_match("timestamp", '{RFC3339}')
                    AND (properties IS NULL OR json_type(properties) = 'OBJECT'))
            WHERE us IS NOT NULL""")
        # Tables: typed by DuckDB's CSV sniffer (Cohort types columns by SPEC's rules; the check
        # against Cohort's output shows whether they agree), key and linking columns as text.
        self.tables = {}
        keys = self.key_columns()
        for name, t in self.y["tables"].items():
            with open(self.path(t["file"]), newline="") as f:
                header = f.readline().rstrip("\r\n").split(",")
            types = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in header if c in keys.get(name, ())) + "}"
            src = f"read_csv({lit(self.path(t['file']))}, header=true, types={types}"
            try:
                self.db.execute(f"CREATE TABLE {q('t_' + name)} AS SELECT * FROM {src})")
            except duckdb.Error:  # a late cell that the sampled types do not fit: sniff every row
                self.db.execute(f"CREATE TABLE {q('t_' + name)} AS SELECT * FROM {src}, sample_size=-1)")
            tz = [r[0] for r in self.db.execute(f"DESCRIBE {q('t_' + name)}").fetchall() if r[1] == "TIMESTAMP WITH TIME ZONE"]
            if tz:  # instants as UTC wall time, like the events' ts
                self.db.execute(f"""CREATE TABLE {q('u_' + name)} AS SELECT * REPLACE ({", ".join(f"make_timestamp(epoch_us({q(c)})) AS {q(c)}" for c in tz)})
                                    FROM {q('t_' + name)}""")
                self.db.execute(f"DROP TABLE {q('t_' + name)}; ALTER TABLE {q('u_' + name)} RENAME TO {q('t_' + name)}")
            self.tables[name] = t

    def key_columns(self):
        """Per table, the columns that keys and identities compare as text."""
        out = {}
        for name, t in self.y["tables"].items():
            if t.get("key"):
                out.setdefault(name, set()).add(t["key"])
        for c in self.y["collections"].values():
            out.setdefault(c["table"], set()).add(c["key"])
            for s in c.get("streams", []):
                for pair in (s["match"] if isinstance(s["match"], list) else [s["match"]]):
                    out[c["table"]].add(pair["profile"])
            for a in c.get("attributes", []):
                if "table" in a:
                    out[c["table"]].add(a["match"]["profile"])
                    out.setdefault(a["table"], set()).add(a["match"]["row"])
        return out

    # -- query: everything from the loaded tables to profiles (timed)
    def query(self):
        db = self.db
        self.parsed = dict(db.execute("SELECT stream, count(*) FROM events GROUP BY stream").fetchall())
        # Duplicates: per stream and event_id the earliest timestamp counts, then the earlier
        # line (rowid follows the file order). The later copies are deleted in place.
        db.execute("""DELETE FROM events WHERE rowid IN (
                        SELECT rowid FROM (
                          SELECT rowid, row_number() OVER (PARTITION BY stream, event_id ORDER BY ts, rowid) AS k
                          FROM events WHERE (stream, event_id) IN
                            (SELECT stream, event_id FROM events GROUP BY ALL HAVING count(*) > 1))
                        WHERE k > 1)""")
        db.execute("ALTER TABLE events RENAME TO ev")
        self.ev_cols = ", ".join(["e.stream", "e.event_id", "e.type", "e.ts"] + [f"e.{q('p_' + f)}" for f in self.fields]
                                 + [f"e.{q('n_' + f)}" for f in self.fields if f in self.numeric])
        now = db.execute("SELECT max(ts) FROM ev").fetchone()[0]
        self.now = now
        self.today = now.date().isoformat()
        self.now_ts = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        self.results = {}
        for cname, c in self.y["collections"].items():
            self.collection(cname, c)

    def collection(self, cname, c):
        db = self.db
        table = c["table"]
        key = c["key"]
        tq = q("t_" + table)
        mt = q("m_" + cname)
        # Identity: per stream, the linking keys in order; the first whose value matches any
        # profile decides. Values compare as text, exactly; empty strings match nothing.
        parts = []
        for s in c.get("streams", []):
            pairs = s["match"] if isinstance(s["match"], list) else [s["match"]]
            tried = []
            for pair in pairs:
                ef, pf = q(pair["event"]), q(pair["profile"])
                cond = [f"e.stream = {lit(s['stream'])}", f"e.{ef} <> ''"]
                for pe, pp in tried:
                    cond.append(f"(e.{pe} IS NULL OR e.{pe} = '' OR e.{pe} NOT IN (SELECT {pp} FROM {tq} WHERE {pp} IS NOT NULL))")
                parts.append(f"""SELECT p.{q(key)} AS _key, {self.ev_cols} FROM ev e JOIN {tq} p ON e.{ef} = p.{pf}
                                 WHERE {' AND '.join(cond)}""")
                tried.append((ef, pf))
        if parts:
            db.execute(f"CREATE TABLE {mt} AS " + " UNION ALL ".join(parts))
        now = f"TIMESTAMP '{self.now_ts}'"
        aggs, extra_ctes, extra_joins = [], [], []
        self.table_groups, self.event_groups = {}, {}
        cols = []          # final columns in attribute order
        computed = []
        for a in c.get("attributes", []):
            n = a["name"]
            try:
                if "column" in a:
                    cols.append((n, f"p.{q(a['column'])}"))
                elif "expression" in a:
                    computed.append(a)
                elif "table" in a:
                    cols.append((n, self.table_aggregate(cname, c, a, extra_ctes, extra_joins, now)))
                else:
                    cols.append((n, self.event_aggregate(cname, a, aggs, extra_ctes, extra_joins, now)))
            except ValueError as err:
                self.skipped.append((cname, n, str(err)))
        base = f"""SELECT p.{q(key)} AS _key, {', '.join(f'{e} AS {q(n)}' for n, e in cols)}
                   FROM {tq} p"""
        for group, (cte, eaggs) in self.event_groups.items():
            types = f"WHERE type IN ({', '.join(lit(t) for t in group)})" if group else ""
            extra_ctes.append(f"{cte} AS (SELECT _key, {', '.join(eaggs)} FROM {mt} {types} GROUP BY _key)")
            extra_joins.append(f"LEFT JOIN {cte} ON {cte}._key = p.{q(key)}")
        for (tname, row, prof), (cte, taggs) in self.table_groups.items():
            extra_ctes.append(f"{cte} AS (SELECT {q(row)} AS _key, {', '.join(taggs)} FROM {q('t_' + tname)} WHERE {q(row)} <> '' GROUP BY ALL)")
            extra_joins.append(f"LEFT JOIN {cte} ON {cte}._key = p.{q(prof)}")
        for j in extra_joins:
            base += " " + j
        sql = "WITH " + ", ".join(extra_ctes) + " " + base if extra_ctes else base
        db.execute(f"CREATE TABLE {q('a_' + cname)} AS {sql}")
        # Computed attributes, in dependency order, one layer each.
        names = {a["name"] for a in computed}
        done, order = set(), []
        while len(order) < len(computed):
            progress = False
            for a in computed:
                if a["name"] in done:
                    continue
                if (identifiers(a["expression"]) & names) - done - {a["name"]}:
                    continue
                order.append(a)
                done.add(a["name"])
                progress = True
            if not progress:
                order += [a for a in computed if a["name"] not in done]
                break
        # One statement: each computed attribute a projection over the previous ones.
        cur = f"SELECT * FROM {q('a_' + cname)}"
        for a in order:
            sql_expr = spark_to_duckdb(a["expression"], self.today, self.now_ts)
            nxt = f"SELECT *, ({sql_expr}) AS {q(a['name'])} FROM ({cur})"
            try:
                db.execute(f"SELECT * FROM ({nxt}) LIMIT 0")
                cur = nxt
            except duckdb.Error as err:
                self.skipped.append((cname, a["name"], "DuckDB: " + str(err).splitlines()[0]))
        segs = []
        for s in c.get("segments", []):
            sql_expr = spark_to_duckdb(s["condition"], self.today, self.now_ts)
            try:
                db.execute(f"SELECT coalesce(({sql_expr}), false) FROM ({cur}) LIMIT 0")
                segs.append(f"coalesce(({sql_expr}), false) AS {q('seg_' + s['name'])}")
            except duckdb.Error as err:
                self.skipped.append((cname, "segment " + s["name"], "DuckDB: " + str(err).splitlines()[0]))
        db.execute(f"CREATE TABLE {q('profiles_' + cname)} AS SELECT *{''.join(', ' + x for x in segs)} FROM ({cur})")
        db.execute(f"DROP TABLE {q('a_' + cname)}")

    def value_expr(self, field, numeric):
        if field == "timestamp":
            return "ts"
        if field == "type":
            return "type"
        if field.startswith("properties."):
            f = field.split(".", 1)[1]
            return q(("n_" if numeric else "p_") + f)
        raise ValueError(f"field {field!r} not handled")

    def event_where(self, w):
        if not w:
            return "TRUE"
        # properties.X against a number reads X as a number; otherwise as its text.
        w = re.sub(r"properties\.(\w+)(?=\s*(=|!=|<>|>=|<=|>|<)\s*-?\d)", lambda m: q("n_" + m.group(1)), w)
        w = re.sub(r"properties\.(\w+)", lambda m: q("p_" + m.group(1)), w)
        if re.search(r"\bcurrent_(date|timestamp)\b", w, re.I):
            raise ValueError("where reads the clock")
        return w

    def aggregate(self, fn, val, cond, order_first, order_last, agg_list, ctes, joins, name, source, keycol, prefix):
        """One aggregate over `source` grouped by `keycol` (its result read as prefix.name);
        most_frequent goes to its own CTE."""
        nn = f"{cond} AND {val} IS NOT NULL"
        r = prefix + "." + q(name)
        if fn == "count":
            agg_list.append(f"count(*) FILTER (WHERE {cond}) AS {q(name)}")
            return f"coalesce({r}, 0)"
        if fn == "count_distinct":
            agg_list.append(f"count(DISTINCT {val}) FILTER (WHERE {nn}) AS {q(name)}")
            return f"coalesce({r}, 0)"
        if fn == "distinct":
            agg_list.append(f"list_sort(list(DISTINCT {val}) FILTER (WHERE {nn})) AS {q(name)}")
            return f"coalesce({r}, [])"
        if fn in ("sum", "average", "min", "max"):
            sqlfn = {"sum": "sum", "average": "avg", "min": "min", "max": "max"}[fn]
            agg_list.append(f"{sqlfn}({val}) FILTER (WHERE {nn}) AS {q(name)}")
            return r
        if fn == "first":
            agg_list.append(f"first({val} ORDER BY {order_first}) FILTER (WHERE {nn}) AS {q(name)}")
            return r
        if fn == "last":
            agg_list.append(f"first({val} ORDER BY {order_last}) FILTER (WHERE {nn}) AS {q(name)}")
            return r
        if fn == "most_frequent":
            cte = q("mf_" + name)
            ctes.append(f"""{cte} AS (SELECT _key, first(v ORDER BY n DESC, v ASC) AS v FROM
                              (SELECT {keycol} AS _key, {val} AS v, count(*) AS n FROM {source}
                               WHERE {nn} GROUP BY ALL) GROUP BY _key)""")
            joins.append(f"LEFT JOIN {cte} ON {cte}._key = p.{q(self._key)}")
            return f"{cte}.v"
        raise ValueError(f"function {fn!r} not handled")

    def event_aggregate(self, cname, a, aggs, ctes, joins, now):
        self._key = self.y["collections"][cname]["key"]
        fn = a["function"]
        val = self.value_expr(a.get("field", "timestamp"), fn in ("sum", "average", "min", "max")) if fn != "count" else "1"
        if fn in ("min", "max") and a.get("field", "").startswith("properties.") and a["field"].split(".", 1)[1] not in self.numeric:
            val = self.value_expr(a["field"], False)
        # Aggregates over the same event types share one grouped CTE over just those events.
        types = ", ".join(lit(t) for t in a.get("events", []))
        group = tuple(a.get("events", []))
        if group not in self.event_groups:
            self.event_groups[group] = (q(f"ev{len(self.event_groups)}"), [])
        cte, aggs = self.event_groups[group]
        cond = [f"({self.event_where(a.get('where'))})"]
        w = window_micros(a.get("timeframe"))
        if w is not None:
            cond.append(f"ts > {now} - INTERVAL {w} MICROSECOND")
        return self.aggregate(fn, val, " AND ".join(cond), "ts ASC, event_id ASC", "ts DESC, event_id ASC",
                              aggs, ctes, joins, a["name"], q("m_" + cname), "_key", cte)

    def table_aggregate(self, cname, c, a, ctes, joins, now):
        self._key = c["key"]
        tname = a["table"]
        t = self.tables[tname]
        ts_col = t.get("timestamp")
        m = a["match"]
        fn = a["function"]
        val = q(a["field"]) if "field" in a else "1"
        cond = [f"({a['where']})" if a.get("where") else "TRUE"]
        if ts_col:
            cond.append(f"({q(ts_col)} IS NULL OR {q(ts_col)} <= {now})")
            w = window_micros(a.get("timeframe"))
            if w is not None:
                cond.append(f"{q(ts_col)} > {now} - INTERVAL {w} MICROSECOND")
        tsx = q(ts_col) if ts_col else "NULL"
        # Every aggregate over one table and one match shares one grouped CTE.
        group = (tname, m["row"], m["profile"])
        if group not in self.table_groups:
            self.table_groups[group] = (q(f"ta{len(self.table_groups)}"), [])
        cte, aggs = self.table_groups[group]
        src = q("t_" + tname)
        keycol = q(m["row"])
        n_joins = len(joins)
        expr = self.aggregate(fn, val, " AND ".join(cond), f"{tsx} ASC NULLS FIRST, rowid ASC",
                              f"{tsx} DESC NULLS LAST, rowid ASC", aggs, ctes, joins, a["name"], src, keycol, cte)
        if len(joins) > n_joins:  # most_frequent: its CTE is keyed by the row column; join on the profile's
            joins[-1] = joins[-1].replace(f"p.{q(c['key'])}", f"p.{q(m['profile'])}")
        return expr

    def stream_counts(self):
        return self.db.execute("SELECT stream, count(*) FROM ev GROUP BY stream ORDER BY stream").fetchall()


# ---------------------------------------------------------------- comparison with Cohort

TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def norm(v):
    """A comparable form of a Cohort JSON value or a DuckDB value."""
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, datetime):
        return v.replace(tzinfo=None).isoformat()
    if hasattr(v, "isoformat"):  # date
        return v.isoformat()
    if isinstance(v, str) and TS_RE.match(v):
        return datetime.strptime(v[:19], "%Y-%m-%dT%H:%M:%S").replace(
            microsecond=int((v[20:-1] + "000000")[:6]) if "." in v else 0).isoformat()
    if isinstance(v, list):
        return [norm(x) for x in v]
    if hasattr(v, "__float__") and not isinstance(v, str):  # Decimal
        return float(v)
    return v


NEAR = [0]  # numbers equal only within 1e-9 relative (DuckDB sums doubles in floating point; Cohort exactly)


def same(a, b):
    a, b = norm(a), norm(b)
    if isinstance(a, float) and isinstance(b, float):
        if a == b:
            return True
        if abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0):
            NEAR[0] += 1
            return True
        return False
    return a == b


def compare(peer, profiles_file, sample_size, out):
    cohort = {}
    with open(profiles_file) as f:
        for line in f:
            if line.strip():
                p = json.loads(line)
                cohort[(p["collection"], p["key"])] = p
    report = []
    for cname, c in peer.y["collections"].items():
        tab = q("profiles_" + cname)
        names = [r[0] for r in peer.db.execute(f"DESCRIBE {tab}").fetchall()]
        attr_names = [a["name"] for a in c.get("attributes", []) if a["name"] in names]
        seg_names = [n[4:] for n in names if n.startswith("seg_")]
        rows = peer.db.execute(f"SELECT * FROM {tab} ORDER BY _key").fetchall()
        idx = {n: k for k, n in enumerate(names)}
        keys = [r[0] for r in rows]
        rnd = random.Random(7)
        sample = set(rnd.sample(keys, min(sample_size, len(keys))))
        per_attr = {n: [0, 0, 0, 0, None] for n in attr_names + ["segment " + s for s in seg_names]}  # sample ok, sample n, all ok, all n, example
        missing = 0
        for r in rows:
            cp = cohort.get((cname, r[0]))
            if cp is None:
                missing += 1
                continue
            def tally(name, ours, theirs, ok):
                # per_attr[name]: [sample agree, sample total, all agree, all total, first disagreement]
                st = per_attr[name]
                st[2] += ok
                st[3] += 1
                if r[0] in sample:
                    st[0] += ok
                    st[1] += 1
                if not ok and st[4] is None:
                    st[4] = (r[0], ours, theirs)
            for n in attr_names:
                ours, theirs = cp["attributes"].get(n), r[idx[n]]
                tally(n, ours, theirs, same(ours, theirs))
            segs = set(cp["segments"])
            for s in seg_names:
                ours, theirs = s in segs, bool(r[idx["seg_" + s]])
                tally("segment " + s, ours, theirs, ours == theirs)
        report.append((cname, per_attr, missing, len(rows)))
    # Print: a summary per collection, then every attribute that disagrees anywhere.
    for cname, per_attr, missing, n in report:
        s_ok = sum(v[0] for v in per_attr.values())
        s_n = sum(v[1] for v in per_attr.values())
        a_ok = sum(v[2] for v in per_attr.values())
        a_n = sum(v[3] for v in per_attr.values())
        nattr = sum(1 for k in per_attr if not k.startswith("segment "))
        nseg = len(per_attr) - nattr
        full = sum(1 for v in per_attr.values() if v[2] == v[3])
        print(f"  {cname}: {nattr} attributes + {nseg} segments; sample of {min(sample_size, n)} profiles: "
              f"{s_ok:,}/{s_n:,} values agree; all {n:,} profiles: {a_ok:,}/{a_n:,} agree; "
              f"{full}/{len(per_attr)} columns agree on every profile", file=out)
        if missing:
            print(f"    {missing} DuckDB profiles missing from Cohort's output", file=out)
        for name, v in per_attr.items():
            if v[2] != v[3]:
                print(f"    differs: {name}: sample {v[0]}/{v[1]}, all {v[2]:,}/{v[3]:,}; e.g. {v[4][0]}: cohort {v[4][1]!r} duckdb {v[4][2]!r}", file=out)


def parse_cohort_summary(path):
    """Cohort replay's summary: per stream counts and per collection segment sizes."""
    streams, segs, coll = {}, {}, None
    for line in open(path):
        f = line.split()
        if len(f) == 7 and f[0] != "stream" and f[0] != "total" and all(x.replace(",", "").isdigit() for x in f[1:]):
            streams[f[0]] = [int(x.replace(",", "")) for x in f[1:]]
        m = re.match(r"collection (\S+):", line)
        if m:
            coll = m.group(1)
        if coll and len(f) == 3 and f[2].endswith("%"):
            segs.setdefault(coll, {})[f[0]] = int(f[1].replace(",", ""))
    return streams, segs


def checks(peer, summary):
    """Counts next to Cohort's: per stream, per segment, and events on the window edges."""
    db = peer.db
    cstreams, csegs = parse_cohort_summary(summary) if summary else ({}, {})
    matched = " UNION ".join(f"SELECT stream, event_id FROM {q('m_' + c)}" for c in peer.y["collections"])
    rows = db.execute(f"""SELECT stream, count(*),
                                 count(*) FILTER (WHERE (stream, event_id) NOT IN ({matched}))
                          FROM ev GROUP BY stream ORDER BY stream""").fetchall()
    print("  per stream, cohort/duckdb: lines, valid, duplicate, unmatched, quarantined")
    for stream, valid, unmatched in rows:
        f = peer.path(peer.y["streams"][stream]["file"])
        lines = sum(1 for l in open(f, "rb") if l.strip())
        dup = peer.parsed[stream] - valid
        mine = [lines, valid, valid - unmatched, dup, unmatched, lines - peer.parsed[stream] - 0]
        theirs = cstreams.get(stream)
        cols = ["lines", "valid", "applied", "duplicate", "unmatched", "quarantined"]
        cells = []
        for k, name in enumerate(cols):
            if name == "applied":
                continue
            t = f"{theirs[k]:,}" if theirs else "?"
            cells.append(f"{t}/{mine[k]:,}" + ("" if theirs is None or theirs[k] == mine[k] else " (differs)"))
        print(f"    {stream:8} " + "  ".join(cells))
    for cname in peer.y["collections"]:
        segs = [r[0] for r in db.execute(f"DESCRIBE {q('profiles_' + cname)}").fetchall() if r[0].startswith("seg_")]
        if segs:
            sizes = db.execute(f"SELECT {', '.join(f'count(*) FILTER (WHERE {q(s)})' for s in segs)} FROM {q('profiles_' + cname)}").fetchone()
            cs = csegs.get(cname, {})
            print(f"  segment members {cname}, cohort/duckdb: " + ", ".join(
                f"{s[4:]} {cs.get(s[4:], '?'):,}/{n:,}" if isinstance(cs.get(s[4:]), int) else f"{s[4:]} ?/{n:,}" for s, n in zip(segs, sizes)))
    # Window edges: events exactly at now - N are outside the window, events at now inside.
    wins = sorted({window_micros(a.get("timeframe")) for c in peer.y["collections"].values()
                   for a in c.get("attributes", []) if "function" in a and "table" not in a} - {None})
    now = f"TIMESTAMP '{peer.now_ts}'"
    edge = db.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE ts = {now} - INTERVAL {w} MICROSECOND)" for w in wins)
                      + f", count(*) FILTER (WHERE ts = {now}) FROM ev").fetchone()
    print("  events exactly on a window edge (now - N, excluded): " + ", ".join(
        f"{w // 3_600_000_000}h {n}" for w, n in zip(wins, edge)) + f"; at now (included): {edge[-1]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: DuckDB's default, every core)")
    ap.add_argument("--profiles-out", help="also write the profiles as NDJSON here (timed separately)")
    ap.add_argument("--cohort-profiles", help="Cohort's replay --profiles-out file to compare with")
    ap.add_argument("--cohort-summary", help="Cohort replay's printed summary, to compare counts with")
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--timings-out", help="write the timings as JSON here")
    args = ap.parse_args()

    peer = Peer(args.workspace, args.threads)
    t0 = time.perf_counter()
    peer.load()
    t1 = time.perf_counter()
    peer.query()
    t2 = time.perf_counter()
    write_s = None
    if args.profiles_out:
        parts = []
        for cname in peer.y["collections"]:
            part = f"{args.profiles_out}.{cname}"
            peer.db.execute(f"COPY (SELECT {lit(cname)} AS collection, * FROM {q('profiles_' + cname)} ORDER BY _key) TO {lit(part)} (FORMAT json)")
            parts.append(part)
        with open(args.profiles_out, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    out.write(f.read())
                os.remove(part)
        write_s = time.perf_counter() - t2
    load_s, query_s = t1 - t0, t2 - t1
    nev = peer.db.execute("SELECT count(*) FROM ev").fetchone()[0]
    desc = [r[0] for cn in peer.y["collections"] for r in peer.db.execute(f"DESCRIBE {q('profiles_' + cn)}").fetchall()]
    nattr = sum(1 for n in desc if not n.startswith("seg_") and n != "_key")
    nseg = sum(1 for n in desc if n.startswith("seg_"))
    print(f"duckdb {duckdb.__version__}, {peer.threads} thread(s): load {load_s:.2f}s, query {query_s:.2f}s"
          + (f", write {write_s:.2f}s" if write_s is not None else "")
          + f"; {nev:,} events after quarantine and dedup; clock {peer.now.isoformat()}Z; {nattr} attributes, {nseg} segments")
    for cname, name, why in peer.skipped:
        print(f"  not computed: {cname}.{name}: {why}")
    if args.timings_out:
        json.dump({"threads": peer.threads, "load": load_s, "query": query_s, "write": write_s, "events": nev,
                   "clock": peer.now.isoformat() + "Z", "attributes": nattr, "segments": nseg},
                  open(args.timings_out, "w"))
    if args.cohort_profiles:
        checks(peer, args.cohort_summary)
        compare(peer, args.cohort_profiles, args.sample, sys.stdout)
        if NEAR[0]:
            print(f"  {NEAR[0]:,} numbers agree only within 1e-9 relative (DuckDB sums doubles in floating point; Cohort's sums are exact)")


if __name__ == "__main__":
    main()
