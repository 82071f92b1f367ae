#!/usr/bin/env python3
"""Tollgate benchmarks side by side (issue 7); run through `tools/bench`, which installs packages and builds.

Parts: limits, log, engine, postgres, sqlite, rebuild, bytes, scaling, reopen, http (`all` = every part, in that
order).
Prints the exact configuration, one table of median/min/max with ratios, and writes JSON (default
`.build/bench/results.json`). Not a test: figures are noisy on shared machines, compare ratios within one run.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

PARTS = ["limits", "log", "engine", "postgres", "sqlite", "rebuild", "bytes", "scaling", "reopen", "http"]
BASE_MS = 1772355600000  # 2026-03-01T09:00:00Z, as in the other fixtures
GRANT_MILLICREDITS = 10_000_000  # 10,000 credits per user
SEALED_SEGMENT_BYTES = 4 << 20  # rebuild from sealed segments: 6 of 7 sealed at 1.01M records


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def fatal(message):
    log(f"error: {message}")
    sys.exit(1)


def run(args, **kwargs):
    result = subprocess.run(args, **kwargs)
    if result.returncode != 0:
        fatal(f"{' '.join(map(str, args))} exited {result.returncode}")
    return result


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


# ---------------------------------------------------------------------------------------------------------------
# Data: the same users, amounts and order for every system.


def stamp(ms, cache={}):
    second = ms // 1000
    prefix = cache.get(second)
    if prefix is None:
        t = datetime.datetime.fromtimestamp(second, datetime.timezone.utc)
        prefix = t.strftime("%Y-%m-%dT%H:%M:%S.")
        cache.clear()
        cache[second] = prefix
    return "%s%03dZ" % (prefix, ms % 1000)


def debit_amount_millicredits(i):
    return 1 + i % 400  # 0.001 … 0.400 credits


def debit_user(i, users):
    return i % users


def debit_ms(i):
    return BASE_MS + 1000 + i * 50


class Dataset:
    """grants.jsonl (one grant per user), debits.jsonl, and ledger.csv (the same rows for PostgreSQL COPY)."""

    def __init__(self, root, users, records):
        self.users, self.records = users, records
        self.dir = os.path.join(root, f"data-{users}u-{records}r")
        self.grants = os.path.join(self.dir, "grants.jsonl")
        self.debits = os.path.join(self.dir, "debits.jsonl")
        self.csv = os.path.join(self.dir, "ledger.csv")
        if os.path.exists(self.debits):
            return
        os.makedirs(self.dir)
        log(f"generating {records} debits over {users} users")
        at = stamp(BASE_MS)
        with open(self.grants, "w") as f:
            for u in range(users):
                f.write('{"op":"grant","user_id":"user-%d","amount":"10000","source":"purchase","at":"%s"}\n' % (u, at))
        with open(self.debits, "w") as f:
            lines = []
            for i in range(records):
                ms = debit_ms(i)
                lines.append('{"op":"debit","user_id":"user-%d","amount":"0.%03d","at":"%s"}\n'
                             % (debit_user(i, users), debit_amount_millicredits(i), stamp(ms)))
                if len(lines) == 100_000:
                    f.write("".join(lines))
                    lines = []
            f.write("".join(lines))

    def write_csv(self):
        if os.path.exists(self.csv):
            return self.csv
        grant_at = stamp(BASE_MS)
        with open(self.csv, "w") as f:
            for u in range(self.users):
                f.write("user-%d,%d,grant,%s\n" % (u, GRANT_MILLICREDITS, grant_at))
            lines = []
            for i in range(self.records):
                lines.append("user-%d,%d,debit,%s\n"
                             % (debit_user(i, self.users), -debit_amount_millicredits(i), stamp(debit_ms(i))))
                if len(lines) == 100_000:
                    f.write("".join(lines))
                    lines = []
            f.write("".join(lines))
        os.chmod(self.csv, 0o644)
        return self.csv


# ---------------------------------------------------------------------------------------------------------------
# PostgreSQL 15: a throw-away cluster on a unix socket only, run as the unprivileged `postgres` user.

PG_BIN = "/usr/lib/postgresql/15/bin"
PG_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "wal_sync_method": "fdatasync",
    "max_connections": "40",
    "shared_buffers": "256MB",
    "max_wal_size": "4GB",
}
DEBIT_SCRIPT = """\\set uid random(0, {users_max})
\\set amt random(1, 400)
BEGIN;
SELECT balance FROM accounts WHERE user_id = 'user-' || :uid FOR UPDATE \\gset
\\if :balance >= :amt
UPDATE accounts SET balance = balance - :amt WHERE user_id = 'user-' || :uid;
INSERT INTO transactions (user_id, amount, kind) VALUES ('user-' || :uid, -:amt, 'debit');
\\endif
COMMIT;
"""
SCHEMA = """
DROP TABLE IF EXISTS accounts, transactions, ledger;
CREATE TABLE accounts (user_id text PRIMARY KEY, balance bigint NOT NULL);
CREATE TABLE transactions (id bigserial PRIMARY KEY, user_id text NOT NULL, amount bigint NOT NULL,
                           kind text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX transactions_user_created ON transactions (user_id, created_at);
CREATE TABLE ledger (LIKE transactions INCLUDING ALL);
"""


class Postgres:
    def __init__(self, root, port):
        self.dir = os.path.join(root, "pg")
        self.data = os.path.join(self.dir, "data")
        self.socket = self.dir
        self.port = port
        os.makedirs(self.dir)
        shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(root, 0o755)
        log(f"initdb + pg_ctl start in {self.dir} (unix socket only, port {port})")
        self.as_pg([f"{PG_BIN}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync"],
                   stdout=subprocess.DEVNULL)
        options = " ".join(f"-c {k}={v}" for k, v in PG_SETTINGS.items())
        self.as_pg([f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w",
                    "-o", f"-p {port} -k {self.socket} {options}", "start"], stdout=subprocess.DEVNULL)
        self.started = True
        self.version = self.sql("SHOW server_version").strip()

    def as_pg(self, args, **kwargs):
        return run(["runuser", "-u", "postgres", "--"] + args, **kwargs)

    def sql(self, text, **kwargs):
        return self.as_pg([f"{PG_BIN}/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.socket,
                           "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-c", text],
                          capture_output=True, text=True, **kwargs).stdout

    def timed_sql(self, text):
        """Server-side time of one statement through psql's \\timing (no result transfer: COPY … TO /dev/null)."""
        out = self.as_pg([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.socket,
                          "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-c", "\\timing on", "-c", text],
                         capture_output=True, text=True).stdout
        match = re.search(r"Time: ([0-9.]+) ms", out)
        if not match:
            fatal(f"no timing in psql output: {out!r}")
        return float(match.group(1)) / 1000

    def stop(self):
        if getattr(self, "started", False):
            subprocess.run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast",
                            "-w", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.started = False


# ---------------------------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, options):
        self.o = options
        self.bin = options.bin
        self.reps = options.reps
        self.root = tempfile.mkdtemp(prefix="tollgate-bench.")
        os.chmod(self.root, 0o755)
        self.results = {}
        self.pg = None
        self.engine_log = None  # data directory of the last timed engine run (for rebuild and bytes)
        self.env = dict(os.environ, CREDIT_ENFORCEMENT_ENABLED="true")

    def close(self):
        if self.pg:
            self.pg.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def put(self, key, values, unit, **extra):
        entry = summary(values) if isinstance(values, list) else {"median": values, "min": values, "max": values,
                                                                   "runs": [values]}
        entry.update(unit=unit, **extra)
        self.results[key] = entry
        log(f"{key}: median {fmt(entry['median'])} {unit} (min {fmt(entry['min'])}, max {fmt(entry['max'])})")
        return entry

    def dataset(self, users=None, records=None):
        return Dataset(self.root, users or self.o.users, records or self.o.records)

    def postgres(self):
        if self.pg is None:
            self.pg = Postgres(self.root, self.o.pg_port)
        return self.pg

    # -- tollgate processes -------------------------------------------------------------------------------------

    def tollgate(self, args, stdout=subprocess.DEVNULL):
        """Runs tollgate under /usr/bin/time; returns wall seconds, cpu seconds, peak RSS bytes."""
        timing = os.path.join(self.root, "time.txt")
        start = time.perf_counter()
        run(["/usr/bin/time", "-f", "%U %S %M", "-o", timing, self.bin] + args, stdout=stdout, env=self.env)
        wall = time.perf_counter() - start
        user, system, rss_kb = open(timing).read().split()[-3:]
        return wall, float(user) + float(system), int(rss_kb) * 1024

    def apply_run(self, data, directory, extra=()):
        """Grants (untimed), then the debits timed. Returns wall, cpu, rss, applied."""
        self.tollgate(["apply", "--data", directory, "--fsync", "group", *extra, data.grants])
        results = os.path.join(self.root, "results.jsonl")
        with open(results, "wb") as out:
            wall, cpu, rss = self.tollgate(["apply", "--data", directory, "--fsync", "group", *extra, data.debits],
                                           stdout=out)
        with open(results, "rb") as f:
            body = f.read()
        applied = body.count(b'"status":"applied"')
        lines = body.count(b"\n")
        if lines != data.records:
            fatal(f"apply printed {lines} results for {data.records} debits")
        return wall, cpu, rss, applied

    def fresh_dir(self, name):
        path = os.path.join(self.root, name)
        shutil.rmtree(path, ignore_errors=True)
        return path

    # -- parts --------------------------------------------------------------------------------------------------

    def part_limits(self):
        values = {"fdatasync_per_s": [], "seq_write_mb_s": [], "lz4_compress_mb_s": [], "lz4_decompress_mb_s": [],
                  "crc32c_gb_s": []}
        patterns = {"fdatasync_per_s": r"fdatasync of a 4 KiB append: ([0-9.]+)",
                    "seq_write_mb_s": r"sequential write .*: ([0-9.]+) MB/s",
                    "lz4_compress_mb_s": r"LZ4 block compression .*: ([0-9.]+) MB/s",
                    "lz4_decompress_mb_s": r"LZ4 block decompression .*: ([0-9.]+) MB/s",
                    "crc32c_gb_s": r"CRC32C .*: ([0-9.]+) GB/s"}
        for rep in range(self.reps + 1):
            out = run([self.bin, "log", "bench", "--limits-only", "--data", self.fresh_dir("limits")],
                      capture_output=True, text=True).stdout
            if rep == 0:
                continue  # warm-up
            for key, pattern in patterns.items():
                match = re.search(pattern, out)
                if not match:
                    fatal(f"limits: no `{pattern}` in {out!r}")
                values[key].append(float(match.group(1)))
        units = {"fdatasync_per_s": "/s", "seq_write_mb_s": "MB/s", "lz4_compress_mb_s": "MB/s",
                 "lz4_decompress_mb_s": "MB/s", "crc32c_gb_s": "GB/s"}
        for key, series in values.items():
            self.put(f"limits.{key}", series, units[key])

    def part_log(self):
        records = 200_000 if self.o.quick else 1_000_000
        patterns = {"append_1_records_s": r"append, 1 appender.*: ([0-9.]+) records/s",
                    "append_4_records_s": r"append, 4 appenders.*: ([0-9.]+) records/s",
                    "verify_records_s": r"verify .*: ([0-9.]+) records/s",
                    "reader_records_s": r"LogReader scan .*: ([0-9.]+) records/s",
                    "sealed_bytes_per_record": r"sealed: ([0-9.]+) bytes per record"}
        values = {key: [] for key in patterns}
        reps = 1 if self.o.quick else self.reps
        for _ in range(reps):
            out = run([self.bin, "log", "bench", "--data", self.fresh_dir("logbench"), "--record-count", str(records)],
                      capture_output=True, text=True).stdout
            for key, pattern in patterns.items():
                match = re.search(pattern, out)
                if match:
                    values[key].append(float(match.group(1)))
        for key, series in values.items():
            if series:
                self.put(f"log.{key}", series, "bytes" if "bytes" in key else "records/s",
                         note=f"tollgate log bench, {records} records of 64 B, 1,000-record appends")

    def part_engine(self):
        data = self.dataset()
        rates, cpu_per_debit, walls = [], [], []
        applied = 0
        for rep in range(self.reps + 1):
            directory = self.fresh_dir(f"engine-{rep}")
            wall, cpu, rss, applied = self.apply_run(data, directory)
            if rep > 0:
                rates.append(data.records / wall)
                cpu_per_debit.append(cpu / data.records * 1e9)
                walls.append(wall)
            if rep < self.reps:
                shutil.rmtree(directory)
            else:
                self.engine_log = directory
        self.put("engine.debits_s", rates, "debits/s", applied=applied, records=data.records, users=data.users)
        self.put("engine.cpu_ns_per_debit", cpu_per_debit, "ns")
        batches = -(-data.records // 4096)  # apply batches at most 4,096 lines per durable append
        self.results["engine.debits_s"]["fdatasyncs_at_least"] = batches

    def pg_reset(self, users):
        pg = self.postgres()
        pg.sql(SCHEMA)
        pg.sql(f"INSERT INTO accounts SELECT 'user-' || g, {GRANT_MILLICREDITS} FROM generate_series(0, {users - 1}) g")
        pg.sql("VACUUM ANALYZE accounts")
        pg.sql("CHECKPOINT")

    def part_postgres(self):
        pg = self.postgres()
        users = self.o.users
        script = os.path.join(pg.dir, "debit.sql")
        with open(script, "w") as f:
            f.write(DEBIT_SCRIPT.format(users_max=users - 1))
        os.chmod(script, 0o644)
        seconds = self.o.pg_seconds
        for clients in self.o.clients:
            self.pg_reset(users)
            tps = []
            for rep in range(self.reps + 1):
                duration = max(2, seconds // 2) if rep == 0 else seconds
                out = pg.as_pg([f"{PG_BIN}/pgbench", "-n", "-h", pg.socket, "-p", str(pg.port), "-U", "postgres",
                                "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1)), "-T", str(duration),
                                "--random-seed", str(rep + 1), "-f", script, "postgres"],
                               capture_output=True, text=True).stdout
                match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
                if not match:
                    fatal(f"pgbench: no tps in {out!r}")
                if rep > 0:
                    tps.append(float(match.group(1)))
            self.put(f"postgres.debits_s.c{clients}", tps, "debits/s", clients=clients, seconds_per_run=seconds)
        rows = int(pg.sql("SELECT count(*) FROM transactions").strip())
        size = int(pg.sql("SELECT pg_total_relation_size('transactions')").strip())
        self.put("postgres.transactions_bytes_per_row_after_pgbench", size / max(rows, 1), "bytes", rows=rows)

    def part_sqlite(self):
        users, seconds = self.o.users, self.o.pg_seconds
        rates = []
        for rep in range(self.reps + 1):
            path = os.path.join(self.fresh_dir(f"sqlite-{rep}"))
            os.makedirs(path)
            db = sqlite3.connect(os.path.join(path, "bench.db"), isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("CREATE TABLE accounts (user_id TEXT PRIMARY KEY, balance INTEGER NOT NULL)")
            db.execute("CREATE TABLE transactions (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, amount INTEGER NOT"
                       " NULL, kind TEXT NOT NULL, created_at TEXT NOT NULL)")
            db.execute("CREATE INDEX transactions_user_created ON transactions (user_id, created_at)")
            db.execute("BEGIN")
            db.executemany("INSERT INTO accounts VALUES (?, ?)",
                           (("user-%d" % u, GRANT_MILLICREDITS) for u in range(users)))
            db.execute("COMMIT")
            duration = max(2, seconds // 2) if rep == 0 else seconds
            count, start = 0, time.perf_counter()
            deadline = start + duration
            while time.perf_counter() < deadline:
                for _ in range(50):
                    user, amount = "user-%d" % debit_user(count, users), debit_amount_millicredits(count)
                    db.execute("BEGIN IMMEDIATE")
                    (balance,) = db.execute("SELECT balance FROM accounts WHERE user_id = ?", (user,)).fetchone()
                    if balance >= amount:
                        db.execute("UPDATE accounts SET balance = balance - ? WHERE user_id = ?", (amount, user))
                        db.execute("INSERT INTO transactions (user_id, amount, kind, created_at) VALUES"
                                   " (?, ?, 'debit', ?)", (user, -amount, stamp(debit_ms(count))))
                    db.execute("COMMIT")
                    count += 1
            elapsed = time.perf_counter() - start
            db.close()
            if rep > 0:
                rates.append(count / elapsed)
            shutil.rmtree(path)
        self.put("sqlite.debits_s", rates, "debits/s", version=sqlite3.sqlite_version, seconds_per_run=seconds)

    def ensure_engine_log(self):
        if self.engine_log is None:
            directory = self.fresh_dir("engine-log")
            self.apply_run(self.dataset(), directory)
            self.engine_log = directory
        return self.engine_log

    def pg_ledger(self):
        pg = self.postgres()
        data = self.dataset()
        if pg.sql("SELECT to_regclass('ledger') IS NOT NULL").strip() != "t":
            pg.sql(SCHEMA)
        if int(pg.sql("SELECT count(*) FROM ledger").strip()) != data.users + data.records:
            csv = data.write_csv()
            os.chmod(data.dir, 0o755)
            pg.sql("TRUNCATE ledger")
            start = time.perf_counter()
            pg.sql(f"COPY ledger (user_id, amount, kind, created_at) FROM '{csv}' WITH (FORMAT csv)")
            pg.sql("VACUUM ANALYZE ledger")
            pg.sql("CHECKPOINT")
            self.put("postgres.copy_load_s", time.perf_counter() - start, "s")
        return pg, data

    def part_rebuild(self):
        directory = self.ensure_engine_log()
        data = self.dataset()
        total = data.users + data.records
        # The aim is stated for sealed segments: the same records with 4 MiB segments (all sealed but the last).
        sealed = self.fresh_dir("sealed-log")
        self.apply_run(data, sealed, extra=("--segment-bytes", str(SEALED_SEGMENT_BYTES)))
        for key, log_dir in (("rebuild.tollgate", directory), ("rebuild.tollgate_sealed", sealed)):
            walls = []
            for rep in range(self.reps + 1):
                out = os.path.join(self.root, "replay.json")
                with open(out, "wb") as f:
                    wall, cpu, rss = self.tollgate(["replay", "--data", log_dir, "--verify", "--json"], stdout=f)
                report = json.load(open(out))
                if report.get("ok") is not True or report.get("records") != total:
                    fatal(f"replay --verify of {log_dir} did not report ok over {total} records: {str(report)[:300]}")
                if rep > 0:
                    walls.append(wall)
            self.put(f"{key}_s", walls, "s", records=total)
            self.put(f"{key}_records_s", [total / w for w in walls], "records/s")
        shutil.rmtree(sealed)
        pg, _ = self.pg_ledger()
        query = "COPY (SELECT user_id, sum(amount) FROM ledger GROUP BY user_id) TO '/dev/null'"
        times = [pg.timed_sql(query) for _ in range(self.reps + 1)][1:]
        self.put("rebuild.postgres_group_by_s", times, "s", records=total, query=query)
        self.put("rebuild.postgres_records_s", [total / t for t in times], "records/s")

    def part_bytes(self):
        data = self.dataset()
        # 1 MiB segments so most records are sealed (blocks are 64 KiB whatever the segment size).
        directory = self.fresh_dir("bytes-log")
        self.apply_run(data, directory, extra=("--segment-bytes", str(1 << 20)))
        sealed_bytes, raw_base, raw_bytes = 0, 1, 0
        for name in os.listdir(directory):
            size = os.path.getsize(os.path.join(directory, name))
            if name.endswith(".log.lz4"):
                sealed_bytes += size
            elif name.endswith(".log"):
                raw_base = max(raw_base, int(name[:20]))
                raw_bytes = size
        total = data.users + data.records
        sealed_records = raw_base - 1
        if sealed_records > 0:
            self.put("bytes.tollgate_sealed_per_record", sealed_bytes / sealed_records, "bytes",
                     records=sealed_records)
        active_records = total - sealed_records
        self.put("bytes.tollgate_active_per_record", (raw_bytes - 32) / max(active_records, 1), "bytes",
                 records=active_records)
        pg, _ = self.pg_ledger()
        heap = int(pg.sql("SELECT pg_relation_size('ledger')").strip())
        every = int(pg.sql("SELECT pg_total_relation_size('ledger')").strip())
        self.put("bytes.postgres_table_per_record", heap / total, "bytes")
        self.put("bytes.postgres_table_index_per_record", every / total, "bytes")

    def part_scaling(self):
        records = self.o.records
        user_counts = [1_000, 100_000] if self.o.quick else [1_000, 100_000, 1_000_000]
        reps = 1 if self.o.quick else self.reps
        for users in user_counts:
            data = self.dataset(users=users, records=records)
            rates, rss_apply, rss_replay, replay = [], [], [], []
            for rep in range(reps + 1):
                directory = self.fresh_dir(f"scaling-{users}")
                wall, cpu, rss, applied = self.apply_run(data, directory)
                rwall, rcpu, rrss = self.tollgate(["replay", "--data", directory])
                if rep > 0:
                    rates.append(records / wall)
                    rss_apply.append(rss)
                    rss_replay.append(rrss)
                    replay.append((users + records) / rwall)
            self.put(f"scaling.u{users}.debits_s", rates, "debits/s", records=records)
            self.put(f"scaling.u{users}.apply_peak_rss_bytes", rss_apply, "bytes")
            self.put(f"scaling.u{users}.replay_peak_rss_bytes", rss_replay, "bytes")
            self.put(f"scaling.u{users}.replay_records_s", replay, "records/s")
            shutil.rmtree(data.dir)
        low, high = user_counts[0], user_counts[-1]
        for kind in ("apply", "replay"):
            a = self.results[f"scaling.u{low}.{kind}_peak_rss_bytes"]["median"]
            b = self.results[f"scaling.u{high}.{kind}_peak_rss_bytes"]["median"]
            self.put(f"scaling.{kind}_bytes_per_user", (b - a) / (high - low), "bytes",
                     note=f"(peak RSS at {high} users − at {low}) / {high - low}, same {records} debits")
        record_counts = [1_000_000] + ([] if self.o.quick else [10_000_000])
        for count in record_counts:
            users = 10_000
            data = self.dataset(users=users, records=count - users)
            directory = self.fresh_dir(f"replay-{count}")
            self.apply_run(data, directory)
            walls, rss_values = [], []
            for rep in range(reps + 1):
                wall, cpu, rss = self.tollgate(["replay", "--data", directory, "--verify"])
                if rep > 0:
                    walls.append(wall)
                    rss_values.append(rss)
            self.put(f"scaling.replay_verify_{count}_s", walls, "s", records=count)
            self.put(f"scaling.replay_verify_{count}_peak_rss_bytes", rss_values, "bytes")
            shutil.rmtree(directory)
            if count != self.o.users + self.o.records:
                shutil.rmtree(data.dir)

    def part_reopen(self):
        """Issue 5's aims on a big log: reopening after kill -9 (≤ 1 s) and audit's first 100 results (≤ 50 ms).

        A log of --reopen-records records (10M; 200k with --quick): one grant per user, 1,000 grants made by
        `bench-admin` (so audit has something to find, all at the start: newest-first must pass the whole raw
        active segment), then debits. Written by `apply --fsync none` with its default snapshot interval and
        segment size through a pipe kept open, and the writer is SIGKILLed once every result is out (no clean
        shutdown). Then each on the killed directory: `balances` (read-only load: newest snapshot + tail), the
        engine's open (`apply` of an empty input on a fresh copy: recovery scan of the active segment + load), and
        `audit --initiated-by bench-admin --limit 100` newest and oldest first, with the index files the writer
        wrote when it sealed segments (no `tollgate index`)."""
        count = self.o.reopen_records or (200_000 if self.o.quick else 10_000_000)
        kept = self.o.reopen_dir
        if kept and os.path.exists(os.path.join(kept, "complete")):
            # Reuse the killed log built by an earlier run (A/B of two binaries on the same bytes).
            log(f"reusing the killed log in {kept}")
            self.measure_reopen(os.path.join(kept, "log"), count, keep=True)
            return
        users, admin_count = 10_000, 1_000
        data = self.dataset(users=users, records=count - users - admin_count)
        admin = os.path.join(data.dir, "admin.jsonl")
        with open(admin, "w") as f:
            for i in range(admin_count):
                f.write('{"op":"grant","user_id":"user-%d","amount":"1","source":"admin","initiated_by":"bench-admin",'
                        '"at":"%s"}\n' % (i % users, stamp(BASE_MS)))
        if kept:
            shutil.rmtree(kept, ignore_errors=True)
            os.makedirs(kept)
            directory = os.path.join(kept, "log")
        else:
            directory = self.fresh_dir("reopen-log")
        for path in (data.grants, admin):
            self.tollgate(["apply", "--data", directory, "--fsync", "none", path])
        writer = subprocess.Popen([self.bin, "apply", "--data", directory, "--fsync", "none"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=self.env)

        def feed():
            with open(data.debits, "rb") as f:
                shutil.copyfileobj(f, writer.stdin, 1 << 20)
            writer.stdin.flush()  # Left open: the writer must not see end of input and shut down cleanly.

        import threading
        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        printed = 0
        while printed < data.records:
            chunk = writer.stdout.read1(1 << 20)
            if not chunk:
                fatal(f"apply ended after {printed} of {data.records} results")
            printed += chunk.count(b"\n")
        writer.kill()  # SIGKILL
        writer.wait()
        feeder.join(timeout=10)
        shutil.rmtree(data.dir)
        if kept:
            open(os.path.join(kept, "complete"), "w").close()
        self.measure_reopen(directory, count, keep=bool(kept))

    def measure_reopen(self, directory, count, keep):
        """The timed half of `part_reopen`, on a killed log (never modified: the engine opens a copy)."""
        self.put("reopen.records", count, "records")
        snapshots = os.path.join(directory, "snapshots")
        self.put("reopen.snapshots", len(os.listdir(snapshots)) if os.path.isdir(snapshots) else 0, "files")
        walls, cpus = [], []
        for rep in range(self.reps + 1):
            wall, cpu, rss = self.tollgate(["balances", "--data", directory])
            if rep > 0:
                walls.append(wall)
                cpus.append(cpu)
        self.put("reopen.balances_s", walls, "s", records=count)
        self.put("reopen.balances_cpu_s", cpus, "s")
        walls, cpus = [], []
        for rep in range(self.reps + 1):
            copy = self.fresh_dir("reopen-copy")
            shutil.copytree(directory, copy)
            empty = os.path.join(self.root, "empty.jsonl")
            open(empty, "w").close()
            wall, cpu, rss = self.tollgate(["apply", "--data", copy, "--fsync", "none", empty])
            if rep > 0:
                walls.append(wall)
                cpus.append(cpu)
        shutil.rmtree(copy)
        self.put("reopen.engine_open_s", walls, "s", records=count)
        self.put("reopen.engine_open_cpu_s", cpus, "s")
        # No `tollgate index` here: the writer indexes the segments it seals (docs/operator-guide.md, "Audit index").
        index_dir = os.path.join(directory, "index")
        self.put("reopen.audit_index_files", len(os.listdir(index_dir)) if os.path.isdir(index_dir) else 0, "files")
        for order in ("newest", "oldest"):
            walls, cpus = [], []
            for rep in range(self.reps + 1):
                out = os.path.join(self.root, "audit.txt")
                with open(out, "wb") as f:
                    wall, cpu, rss = self.tollgate(["audit", "--data", directory, "--initiated-by", "bench-admin",
                                                    "--limit", "100", "--order", order, "--json"], stdout=f)
                if rep > 0:
                    walls.append(wall)
                    cpus.append(cpu)
            found = len(json.load(open(out)).get("entries", []))
            self.put(f"reopen.audit_first_100_{order}_s", walls, "s", records=count, found=found)
            self.put(f"reopen.audit_first_100_{order}_cpu_s", cpus, "s")
        if not keep:
            shutil.rmtree(directory)

    def part_http(self):
        """`tools/load`: durable debits over HTTP at 64 keep-alive connections (`serve --fsync group`, the client —
        `--load-client`, lean by default — on the same cores), a warm-up run and then the timed runs, each on a fresh
        data directory. tools/load itself checks that the log holds one debit per 200 counted."""
        seconds = 3 if self.o.quick else 10
        env = {k: v for k, v in os.environ.items() if k != "CREDIT_ENFORCEMENT_ENABLED"}  # warn-only: all applied
        patterns = {"debits_s": r"throughput ([0-9.]+) durable debits/s", "p50_ms": r"p50 ([0-9.]+) ms",
                    "p99_ms": r"p99 ([0-9.]+) ms", "p999_ms": r"p99\.9 ([0-9.]+) ms"}
        values = {key: [] for key in patterns}
        for rep in range(self.reps + 1):
            result = subprocess.run(["bash", "tools/load", "--client", self.o.load_client, "--binary", self.bin,
                                     "--connections", "64", "--duration", str(seconds), "--fsync", "group"],
                                    capture_output=True, text=True, env=env)
            if result.returncode != 0:
                fatal(f"http: tools/load exited {result.returncode}: {result.stdout[-2000:]}{result.stderr[-2000:]}")
            out = result.stdout
            errors = re.search(r"errors +connect (\d+), read (\d+), write (\d+), status (\d+), timeout (\d+)", out)
            if not errors or any(int(n) for n in errors.groups()):
                fatal(f"http: load reported errors or no error line: {out!r}")
            if rep == 0:
                continue  # warm-up
            for key, pattern in patterns.items():
                match = re.search(pattern, out)
                if not match:
                    fatal(f"http: no `{pattern}` in {out!r}")
                values[key].append(float(match.group(1)))
        self.put("http.c64_group.debits_s", values["debits_s"], "/s", seconds=seconds, client=self.o.load_client)
        for key in ("p50_ms", "p99_ms", "p999_ms"):
            self.put(f"http.c64_group.{key}", values[key], "ms")


# ---------------------------------------------------------------------------------------------------------------


def fmt(value):
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def ratios(r):
    """Derived rows: (label, value, aim, verdict text)."""
    rows = []

    def med(key):
        return r[key]["median"] if key in r else None

    engine = med("engine.debits_s")
    pg_keys = [k for k in r if k.startswith("postgres.debits_s.")]
    best_pg_key = max(pg_keys, key=lambda k: r[k]["median"]) if pg_keys else None
    if engine and best_pg_key:
        rows.append((f"Tollgate debits/s ÷ best PostgreSQL ({best_pg_key.split('.')[-1]})",
                     engine / r[best_pg_key]["median"], "≥ 100×"))
    if engine and "sqlite.debits_s" in r:
        rows.append(("Tollgate debits/s ÷ SQLite WAL FULL", engine / med("sqlite.debits_s"), "-"))
    if engine:
        rows.append(("Tollgate debits/s ÷ aim 1M/s", engine / 1e6, "≥ 1"))
    if "rebuild.tollgate_s" in r and "rebuild.postgres_group_by_s" in r:
        rows.append(("rebuild: PostgreSQL GROUP BY time ÷ Tollgate replay --verify time",
                     med("rebuild.postgres_group_by_s") / med("rebuild.tollgate_s"), "≥ 2×"))
    if "rebuild.tollgate_sealed_records_s" in r:
        rows.append(("rebuild: Tollgate records/s from sealed segments ÷ aim 20M/s",
                     med("rebuild.tollgate_sealed_records_s") / 20e6, "≥ 1"))
    if "rebuild.tollgate_records_s" in r:
        rows.append(("rebuild: Tollgate records/s, 64 MiB segments (1 raw at 1.01M) ÷ 20M/s",
                     med("rebuild.tollgate_records_s") / 20e6, "-"))
    if "bytes.tollgate_sealed_per_record" in r:
        rows.append(("bytes: Tollgate sealed per record ÷ aim 24", med("bytes.tollgate_sealed_per_record") / 24, "≤ 1"))
        if "bytes.postgres_table_index_per_record" in r:
            rows.append(("bytes: PostgreSQL table+index ÷ Tollgate sealed",
                         med("bytes.postgres_table_index_per_record") / med("bytes.tollgate_sealed_per_record"), "-"))
    for kind in ("replay", "apply"):
        key = f"scaling.{kind}_bytes_per_user"
        if key in r:
            rows.append((f"memory: {kind} bytes per user ÷ aim 256", med(key) / 256, "≤ 1"))
    if "http.c64_group.debits_s" in r:
        rows.append(("http: durable debits/s at 64 connections ÷ aim 50k/s", med("http.c64_group.debits_s") / 50e3,
                     "≥ 1"))
        rows.append(("http: p99 ms at 64 connections ÷ aim 5 ms", med("http.c64_group.p99_ms") / 5, "≤ 1"))
    # Fractions of the machine's limits.
    active = med("bytes.tollgate_active_per_record")
    if engine and "limits.seq_write_mb_s" in r and active:
        rows.append(("limit: engine write MB/s ÷ sequential write MB/s",
                     engine * active / 1e6 / med("limits.seq_write_mb_s"), "-"))
    if engine and "limits.fdatasync_per_s" in r:
        syncs = engine / 4096  # at most 4,096 debits per durable append
        rows.append(("limit: engine fdatasyncs/s (≥ debits/4,096) ÷ fdatasync/s", syncs / med("limits.fdatasync_per_s"),
                     "-"))
    if "engine.cpu_ns_per_debit" in r and engine:
        rows.append(("limit: engine CPU seconds per wall second (one thread: 1 = a core busy)",
                     med("engine.cpu_ns_per_debit") * engine / 1e9, "-"))
    if "rebuild.tollgate_records_s" in r and active and "limits.lz4_decompress_mb_s" in r:
        rows.append(("limit: replay raw MB/s ÷ LZ4 decompress MB/s",
                     med("rebuild.tollgate_records_s") * active / 1e6 / med("limits.lz4_decompress_mb_s"), "-"))
    if "rebuild.tollgate_records_s" in r and active and "limits.crc32c_gb_s" in r:
        rows.append(("limit: replay raw GB/s ÷ CRC32C GB/s",
                     med("rebuild.tollgate_records_s") * active / 1e9 / med("limits.crc32c_gb_s"), "-"))
    if "log.verify_records_s" in r and "limits.lz4_decompress_mb_s" in r:
        rows.append(("limit: log verify raw MB/s ÷ LZ4 decompress MB/s",
                     med("log.verify_records_s") * 77 / 1e6 / med("limits.lz4_decompress_mb_s"), "-"))
    return rows


def print_table(config, results, derived):
    print("\n# configuration")
    for key, value in config.items():
        print(f"{key}: {value}")
    print("\n# figures (median, min, max over the timed runs; a warm-up run first)")
    print(f"| {'figure':<56} | {'median':>14} | {'min':>14} | {'max':>14} | unit |")
    print(f"|{'-' * 58}|{'-' * 16}|{'-' * 16}|{'-' * 16}|------|")
    for key, entry in results.items():
        print(f"| {key:<56} | {fmt(entry['median']):>14} | {fmt(entry['min']):>14} | {fmt(entry['max']):>14} |"
              f" {entry['unit']} |")
    print("\n# ratios (of medians)")
    print(f"| {'ratio':<72} | {'value':>10} | aim |")
    print(f"|{'-' * 74}|{'-' * 12}|-----|")
    for label, value, aim in derived:
        print(f"| {label:<72} | {fmt(value):>10} | {aim} |")


def write_svg(results, path):
    """Bar charts of the scaling part (debits/s, peak RSS, replay time) as a plain SVG, no plotting package."""
    panels = []
    users = sorted(int(k.split(".")[1][1:]) for k in results if re.match(r"scaling\.u\d+\.debits_s$", k))
    if users:
        panels.append(("apply: debits/s", [(f"{u:,} users", results[f"scaling.u{u}.debits_s"]["median"]) for u in users]))
        panels.append(("apply: peak RSS (MB)",
                       [(f"{u:,} users", results[f"scaling.u{u}.apply_peak_rss_bytes"]["median"] / 1e6) for u in users]))
    counts = sorted(int(m.group(1)) for k in results for m in [re.match(r"scaling\.replay_verify_(\d+)_s$", k)] if m)
    if counts:
        panels.append(("replay --verify: seconds", [(f"{c:,} records", results[f"scaling.replay_verify_{c}_s"]["median"])
                                                    for c in counts]))
    if not panels:
        return
    width, height = 300, 220
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * len(panels)}" height="{height}" '
             'font-family="sans-serif" font-size="11">']
    for index, (title, bars) in enumerate(panels):
        x0 = index * width
        top = max(value for _, value in bars) or 1
        parts.append(f'<text x="{x0 + 10}" y="16" font-weight="bold">{title}</text>')
        bar_width = (width - 40) / len(bars)
        for i, (label, value) in enumerate(bars):
            h = 150 * value / top
            x = x0 + 20 + i * bar_width
            parts.append(f'<rect x="{x + 5:.0f}" y="{180 - h:.0f}" width="{bar_width - 10:.0f}" height="{h:.0f}" '
                         'fill="#4a7bb7"/>')
            parts.append(f'<text x="{x + bar_width / 2:.0f}" y="{175 - h:.0f}" text-anchor="middle">{fmt(value)}</text>')
            parts.append(f'<text x="{x + bar_width / 2:.0f}" y="196" text-anchor="middle">{label}</text>')
        parts.append(f'<line x1="{x0 + 20}" y1="180" x2="{x0 + width - 20}" y2="180" stroke="black"/>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("parts", nargs="*", default=["all"])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int)
    parser.add_argument("--records", type=int)
    parser.add_argument("--users", type=int)
    parser.add_argument("--pg-seconds", type=int)
    parser.add_argument("--reopen-records", type=int)
    parser.add_argument("--reopen-dir", help="keep the reopen part's killed log here and reuse it on later runs")
    parser.add_argument("--pg-port", type=int, default=54329)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--load-client", choices=["lean", "wrk"], default="lean",
                        help="http part: tools/load's client (lean: tools/loadgen.c; wrk: wrk + Lua)")
    parser.add_argument("--json", default=".build/bench/results.json")
    o = parser.parse_args()
    parts = []
    for part in o.parts:
        if part == "all":
            parts += PARTS
        elif part in PARTS:
            parts.append(part)
        else:
            fatal(f"unknown part {part} (parts: all {' '.join(PARTS)})")
    o.reps = o.reps or (2 if o.quick else 5)
    o.records = o.records or (100_000 if o.quick else 1_000_000)
    o.users = o.users or (1_000 if o.quick else 10_000)
    o.pg_seconds = o.pg_seconds or (3 if o.quick else 10)
    o.clients = [int(c) for c in o.clients.split(",")]

    bench = Bench(o)
    # SIGTERM/SIGHUP unwind like Ctrl-C, so `finally` stops PostgreSQL and deletes the temporary directory.
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda signum, frame: sys.exit(128 + signum))
    started = datetime.datetime.now(datetime.timezone.utc)
    config = {
        "date": started.strftime("%Y-%m-%dT%H:%MZ"),
        "command": "tools/bench " + " ".join(sys.argv[3:] if sys.argv[1:3] and sys.argv[1] == "--bin" else
                                              sys.argv[1:]),
        "parts": " ".join(parts),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, kernel {platform.release()}, "
                   f"load average {os.getloadavg()[0]:.1f} at start",
        "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
        "memory": next((l.split(":", 1)[1].strip() for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?"),
        "tollgate": f"{o.bin} (release), apply --fsync group (one fdatasync per batch of ≤ 4,096 lines), "
                    "CREDIT_ENFORCEMENT_ENABLED=true, 64 MiB segments (bytes part: 1 MiB)",
        "workload": f"{o.records} debits over {o.users} users (user i mod users, 0.001–0.400 credits), "
                    "after one 10,000-credit grant per user",
        "repetitions": f"{o.reps} timed after 1 warm-up" + (" (quick)" if o.quick else ""),
        "postgresql": f"15, pgbench -T {o.pg_seconds} per run, clients {o.clients}, "
                      + ", ".join(f"{k}={v}" for k, v in PG_SETTINGS.items())
                      + "; script: SELECT balance … FOR UPDATE, check, UPDATE accounts, INSERT transactions",
        "sqlite": f"{sqlite3.sqlite_version} via Python, journal_mode=WAL, synchronous=FULL, one transaction per "
                  f"debit (BEGIN IMMEDIATE, SELECT, check, UPDATE, INSERT, COMMIT), {o.pg_seconds} s per run",
        "data": bench.root,
    }
    if "http" in parts:
        config["http"] = (f"tools/load --client {o.load_client} "
                          + ("(tools/loadgen.c, one thread, epoll)" if o.load_client == "lean" else
                             "(wrk, one thread, Lua script)")
                          + ", 64 connections, serve --fsync group, client and server on the same cores")
    for line in config.items():
        log(f"{line[0]}: {line[1]}")
    try:
        for part in parts:
            log(f"== {part}")
            part_start = time.perf_counter()
            getattr(bench, f"part_{part}")()
            log(f"== {part} took {time.perf_counter() - part_start:.0f} s")
        if bench.pg:
            config["postgresql"] = f"{bench.pg.version}, " + config["postgresql"].split(", ", 1)[1]
    finally:
        bench.close()
    derived = ratios(bench.results)
    config["duration_s"] = round((datetime.datetime.now(datetime.timezone.utc) - started).total_seconds())
    print_table(config, bench.results, derived)
    os.makedirs(os.path.dirname(o.json) or ".", exist_ok=True)
    with open(o.json, "w") as f:
        json.dump({"configuration": config, "results": bench.results,
                   "ratios": [{"ratio": label, "value": value, "aim": aim} for label, value, aim in derived]},
                  f, indent=2)
    log(f"wrote {o.json}")
    svg = os.path.join(os.path.dirname(o.json) or ".", "scaling.svg")
    write_svg(bench.results, svg)
    if os.path.exists(svg):
        log(f"wrote {svg} (copy it to docs/benchmarks-scaling.svg to publish)")


if __name__ == "__main__":
    main()
