"""``make bench``: seed (or reuse) the national data set on SQLite and PostgreSQL, serve it with
gunicorn on loopback, drive each page with wrk, and report req/s, latency percentiles, queries
per request and throughput as a ratio of the 50-row ceiling measured in the same run.

    .venv/bin/python -m bench.run [--scale national|small] [--duration 10] [--connections 8]
                                  [--databases sqlite,postgresql] [--drop-postgres]

Seeded databases are cached under bench/.cache (SQLite) and as ``peeredu_bench_<key>``
(PostgreSQL), keyed by scale, seeder version and migration files, so a second run starts at
once; ``--drop-postgres`` drops the cached PostgreSQL databases and exits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import psycopg
from alembic import command as alembic_command
from sqlalchemy import select

from bench import national
from peeredu import create_app
from peeredu.accounts.models import Enrolment, User
from peeredu.cli.db import alembic_config
from peeredu.db import utcnow
from peeredu.extensions import db

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SECRET = "bench-secret-not-for-production"
# 2 cores shared with wrk: one process per core (more would only contend with the load
# generator), 4 threads each so all 8 clients are in flight and a worker waiting on
# PostgreSQL or on SQLite's write lock does not idle its core.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
AUTOSAVE_TARGET_MS = 50
PAGE_TARGET_MS = 100
RATIO_TARGET = 0.5
CSV_TARGET_S = 1.0


# -- Seeding ---------------------------------------------------------------------------------


def cache_key(scale: str) -> str:
    migrations = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        migrations.update(path.read_bytes())
    return f"{scale}_v{national.SEEDER_VERSION}_{migrations.hexdigest()[:8]}"


def _seed(url: str, scale: str) -> float:
    """Migrate and seed an empty database; the seconds seeding took."""
    alembic_command.upgrade(alembic_config(url), "head")
    app = create_app({"ENVIRONMENT": "development", "SECRET_KEY": SECRET, "DATABASE_URL": url})
    started = time.perf_counter()
    national.seed_app(app, national.SCALES[scale], today=date.today())
    seconds = time.perf_counter() - started
    db.state(app).engine.dispose()
    return seconds


def sqlite_database(scale: str) -> tuple[str, float | None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"peeredu_bench_{cache_key(scale)}.sqlite3"
    if path.exists():
        _analyze(path)
        return f"sqlite:///{path}", None
    for old in CACHE.glob("peeredu_bench_*.sqlite3*"):
        old.unlink()
    building = path.with_suffix(".building")
    for stale in CACHE.glob(building.name + "*"):
        stale.unlink()
    seconds = _seed(f"sqlite:///{building}", scale)
    connection = sqlite3.connect(building)  # the last connection to close folds the WAL in
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    building.rename(path)
    _analyze(path)
    return f"sqlite:///{path}", seconds


def _analyze(path: Path) -> None:
    """Planner statistics, as a maintained database has them (PostgreSQL: VACUUM ANALYZE).

    Without them SQLite drives the teacher's status counts from the status index over all
    100,000 reflections (1.3 s) instead of from the teacher's cohorts (10 ms).
    """
    connection = sqlite3.connect(path)
    if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        connection.execute("ANALYZE")
        connection.commit()
    connection.close()


def _admin() -> psycopg.Connection[Any]:
    return psycopg.connect(POSTGRES_ADMIN_URL.replace("+psycopg", ""), autocommit=True)


def postgres_database(scale: str) -> tuple[str, float | None]:
    name = f"peeredu_bench_{cache_key(scale)}"
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with _admin() as admin:
        names = [r[0] for r in admin.execute("SELECT datname FROM pg_database")]
        if name in names:
            return url, None
        for old in names:
            if old.startswith("peeredu_bench_"):
                admin.execute(f'DROP DATABASE "{old}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}_building" TEMPLATE template0')
    seconds = _seed(url + "_building", scale)
    with _admin() as admin:
        admin.execute(f'ALTER DATABASE "{name}_building" RENAME TO "{name}"')
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return url, seconds


def drop_postgres() -> None:
    with _admin() as admin:
        for (name,) in admin.execute("SELECT datname FROM pg_database").fetchall():
            if name.startswith("peeredu_bench_"):
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                print(f"dropped {name}")


# -- Who and what ----------------------------------------------------------------------------


@dataclass
class Focus:
    learner_enrolment: int
    module_slug: str
    cohort_id: int
    version_id: int
    certificate_id: int
    code: str
    api_token: str
    hr_page: int = 1  # a page of the filtered list that exists at this scale
    autosave: list[tuple[str, int]] = field(default_factory=list)  # (email, enrolment id)


AUTOSAVE_ASSIGNMENT = "peer-stoette-paa-min-arbejdsplads"  # the capstone: not begun yet


def find_focus(url: str, scale: str) -> Focus:
    app = create_app({"ENVIRONMENT": "development", "SECRET_KEY": SECRET, "DATABASE_URL": url})
    with app.app_context():
        session = db.session
        found = national.focus_objects(
            session,
            national.SCALES[scale],
            token_name=f"bench {time.time():.0f}",
            now=utcnow(),
        )
        classmates = session.execute(
            select(User.email, Enrolment.id)
            .join(Enrolment)
            .where(Enrolment.cohort_id == found.cohort_id)
            .order_by(Enrolment.id)
            .limit(8)
        ).all()
        session.commit()
    db.state(app).engine.dispose()
    return Focus(
        learner_enrolment=found.enrolment_id,
        module_slug=found.module_slug,
        cohort_id=found.cohort_id,
        version_id=found.version_id,
        certificate_id=found.certificate_id,
        code=found.code,
        api_token=found.api_token,
        hr_page=3 if scale == "national" else 1,
        autosave=[(email, enrolment_id) for email, enrolment_id in classmates],
    )


# -- HTTP on loopback ------------------------------------------------------------------------


class Browser:
    """A signed-in client with its cookie; enough HTTP for signing in and probing."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = HTTPConnection("127.0.0.1", self.port, timeout=120)
        sent = {"Cookie": self.cookie, **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def csrf(self, path: str) -> str:
        _, _, page = self.request("GET", path)
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert found, f"no CSRF token on {path}"
        return found.group(1).decode()

    def login(self, email: str) -> Browser:
        token = self.csrf("/login")
        body = urllib.parse.urlencode(
            {"csrf_token": token, "email": email, "password": national.PASSWORD}
        )
        status, _, _ = self.request("POST", "/login", body)
        assert status == 302, f"signing in as {email}: {status}"
        return self


@contextmanager
def gunicorn(url: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    instance = tempfile.mkdtemp(prefix="peeredu_bench_")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PEEREDU_")},
        "PEEREDU_ENVIRONMENT": "production",
        "PEEREDU_SECRET_KEY": SECRET,
        "PEEREDU_DATABASE_URL": url,
        "PEEREDU_INSTANCE_PATH": instance,
        "BENCH_BASE_URL": f"http://127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--worker-class",
            "gthread",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            "bench.app:create_bench_app()",
        ],
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, _ = Browser(port).request("GET", "/_bench/constant")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield port, server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(instance, ignore_errors=True)


def worker_pids(master: int) -> list[int]:
    found = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    )
    return [int(p) for p in found.stdout.split()]


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- Measuring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: str  # a key of the browsers, or "" for anonymous
    headers: tuple[tuple[str, str], ...] = ()
    target_ms: int = PAGE_TARGET_MS
    ceiling: bool = False


def pages(focus: Focus) -> list[Page]:
    bearer = (("Authorization", f"Bearer {focus.api_token}"),)
    return [
        Page("ceiling: constant", "/_bench/constant", "", ceiling=True),
        Page("ceiling: 50 rows", "/_bench/rows", "", ceiling=True),
        Page("learner start page", "/", "learner"),
        Page(
            "module page",
            f"/learn/{focus.learner_enrolment}/modules/{focus.module_slug}",
            "learner",
        ),
        Page("reflection autosave (POST)", "", "autosave", target_ms=AUTOSAVE_TARGET_MS),
        Page("teacher start page", "/", "teacher"),
        Page("HR start page", "/", "hr"),
        Page("admin start page", "/", "admin"),
        Page("teacher review queue", "/teach/reviews", "teacher"),
        Page("review page", f"/teach/reviews/{focus.version_id}", "teacher"),
        Page("cohort matrix (30 x 10)", f"/teach/cohorts/{focus.cohort_id}", "teacher"),
        Page("HR participant list", f"/hr/?track=peer&page={focus.hr_page}", "hr"),
        Page("HR CSV export (1,000 rows)", "/hr/participants.csv", "hr"),
        Page("certificate PDF", f"/certificates/{focus.certificate_id}.pdf", "graduate"),
        Page("public verification", f"/verify/{focus.code}", ""),
        Page("API list", "/api/v1/participants?per_page=50", "", headers=bearer),
    ]


def wrk(
    port: int,
    page: Page,
    cookie: str,
    duration: int,
    connections: int,
    *,
    threads: int = 2,
    script: str = "report.lua",
    script_args: tuple[str, ...] = (),
) -> dict[str, Any]:
    command = ["wrk", "--latency", "-t", str(min(threads, connections)), "-c", str(connections)]
    command += ["-d", f"{duration}s", "--timeout", "10s", "-s", str(BENCH / "lua" / script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    for name, value in page.headers:
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{page.path}")
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("BENCH_JSON "))
    found = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = found["duration_us"] / 1e6
    return {
        "requests": found["requests"],
        "rps": round(found["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(found["p50_us"] / 1000, 1),
        "p95_ms": round(found["p95_us"] / 1000, 1),
        "p99_ms": round(found["p99_us"] / 1000, 1),
        "errors": found["non_2xx"] + found["socket_errors"],
    }


def autosave_setup(port: int, focus: Focus, connections: int) -> tuple[str, int, str]:
    """Sign in the autosaving learners; a TSV for autosave.lua, the queries of one save."""
    lines = []
    queries = 0
    for email, enrolment_id in focus.autosave[:connections]:
        browser = Browser(port).login(email)
        path = f"/learn/{enrolment_id}/assignments/{AUTOSAVE_ASSIGNMENT}"
        _, _, page = browser.request("GET", path)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        version = re.search(rb'name="draft_version"[^>]*value="(\d+)"', page)
        assert token and version, f"no editor for {email}"
        body = urllib.parse.urlencode(
            {
                "action": "autosave",
                "csrf_token": token.group(1).decode(),
                "draft_version": version.group(1).decode(),
                "text": "Første udkast.",
            }
        )
        status, headers, data = browser.request("POST", path, body, {"Accept": "application/json"})
        assert status == 200, f"autosave as {email}: {status} {data[:200]!r}"
        queries = int(headers.get("x-bench-queries", "0"))
        saved = json.loads(data)["draft_version"]
        lines.append(f"{path}\t{browser.cookie}\t{token.group(1).decode()}\t{saved}")
    handle, name = tempfile.mkstemp(prefix="bench_autosave_", suffix=".tsv")
    with os.fdopen(handle, "w") as file:
        file.write("\n".join(lines) + "\n")
    return name, len(lines), str(queries)


def timed_export(browser: Browser, path: str, master: int, runs: int = 3) -> dict[str, Any]:
    """Sequential downloads: seconds each, rows, and the workers' peak RSS while streaming."""
    pids = worker_pids(master)
    before = {pid: rss_mb(pid) for pid in pids}
    peak = dict(before)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in pids:
                try:
                    peak[pid] = max(peak[pid], rss_mb(pid))
                except OSError:
                    pass
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    times, rows, size = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        status, _, data = browser.request("GET", path)
        times.append(time.perf_counter() - started)
        assert status == 200, f"{path}: {status}"
        rows = data.count(b"\n") - 1
        size = len(data)
    stop.set()
    sampler.join()
    return {
        "rows": rows,
        "bytes": size,
        "seconds_median": round(statistics.median(times), 3),
        "seconds_min": round(min(times), 3),
        "rss_before_mb": round(max(before.values()), 1),
        "rss_peak_mb": round(max(peak.values()), 1),
        "rss_growth_mb": round(max(peak[p] - before[p] for p in pids), 1),
    }


def startup_seconds(url: str, runs: int = 3) -> dict[str, float]:
    """Seconds to import the app and to build it (curriculum and assessments loaded)."""
    code = (
        "import time; t = time.perf_counter(); from bench.app import create_bench_app; "
        "i = time.perf_counter(); create_bench_app(); print(i - t, time.perf_counter() - i)"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PEEREDU_")},
        "PEEREDU_ENVIRONMENT": "production",
        "PEEREDU_SECRET_KEY": SECRET,
        "PEEREDU_DATABASE_URL": url,
        "PEEREDU_INSTANCE_PATH": tempfile.gettempdir(),
    }
    found = [
        [
            float(x)
            for x in subprocess.run(
                [sys.executable, "-c", code],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
        ]
        for _ in range(runs)
    ]
    return {
        "imports": round(statistics.median(f[0] for f in found), 3),
        "create_app": round(statistics.median(f[1] for f in found), 3),
    }


def measure(url: str, scale: str, duration: int, connections: int) -> dict[str, Any]:
    focus = find_focus(url, scale)
    logins = national.focus_logins(national.SCALES[scale])
    results: dict[str, Any] = {"pages": {}}
    with gunicorn(url) as (port, server):
        browsers = {
            "learner": Browser(port).login(logins.learner),
            "teacher": Browser(port).login(logins.teacher),
            "hr": Browser(port).login(logins.hr),
            "hr_national": Browser(port).login(logins.hr_national),
            "graduate": Browser(port).login(logins.graduate),
            "admin": Browser(port).login(logins.admin),
            "": Browser(port),
        }
        for page in pages(focus):
            if page.who == "autosave":
                script, threads, queries = autosave_setup(port, focus, connections)
                run = wrk(
                    port,
                    page,
                    "",
                    duration,
                    threads,
                    threads=threads,
                    script="autosave.lua",
                    script_args=(script,),
                )
                os.unlink(script)
            else:
                browser = browsers[page.who]
                status, headers, _ = browser.request("GET", page.path, None, dict(page.headers))
                assert status == 200, f"{page.name}: {status}"
                queries = headers.get("x-bench-queries", "?")
                run = wrk(port, page, browser.cookie, duration, connections)
            run.update(queries=int(queries), target_p95_ms=page.target_ms, ceiling=page.ceiling)
            results["pages"][page.name] = run
            print(
                f"  {page.name:<32} {run['rps']:>8} req/s  p95 {run['p95_ms']:>7} ms  "
                f"{run['queries']} queries  {run['errors']} errors",
                flush=True,
            )
        results["csv_1000"] = timed_export(browsers["hr"], "/hr/participants.csv", server.pid)
        results["csv_all"] = timed_export(
            browsers["hr_national"], "/hr/participants.csv", server.pid
        )
        pids = worker_pids(server.pid)
        results["worker_rss_mb"] = [round(rss_mb(p), 1) for p in pids]
        results["worker_peak_rss_mb"] = [round(rss_mb(p, "VmHWM"), 1) for p in pids]
    ceiling = results["pages"]["ceiling: 50 rows"]["rps"] or 1
    for run in results["pages"].values():
        run["ratio"] = round(run["rps"] / ceiling, 2)
        run["meets_targets"] = run["ceiling"] or (
            run["ratio"] >= RATIO_TARGET and run["p95_ms"] < run["target_p95_ms"]
        )
    return results


# -- Reporting -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
        "gunicorn": f"gthread, {WORKERS} workers x {THREADS} threads",
    }


def table(results: dict[str, Any]) -> str:
    out = [
        "| page | db | req/s | p50 ms | p95 ms | p99 ms | queries | × 50-row ceiling | ok |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for database, found in results["databases"].items():
        for name, run in found["pages"].items():
            out.append(
                f"| {name} | {database} | {run['rps']:,.0f} | {run['p50_ms']} | {run['p95_ms']} "
                f"| {run['p99_ms']} | {run['queries']} | {run['ratio']:.2f} "
                f"| {'' if run['ceiling'] else ('yes' if run['meets_targets'] else '**no**')} |"
            )
    out += [
        "",
        "| export | db | rows | seconds | worker RSS growth MB | ok |",
        "|---|---|---:|---:|---:|---|",
    ]
    for database, found in results["databases"].items():
        for key in ("csv_1000", "csv_all"):
            run = found[key]
            ok = "yes" if run["seconds_median"] < CSV_TARGET_S else "**no**"
            out.append(
                f"| HR CSV | {database} | {run['rows']:,} | {run['seconds_median']} "
                f"| {run['rss_growth_mb']} | {ok} |"
            )
    out.append("")
    startup = results["startup_s"]
    out.append(
        f"Start-up: imports {startup['imports']} s, create_app (full curriculum) "
        f"{startup['create_app']} s"
    )
    for database, found in results["databases"].items():
        out.append(
            f"Worker RSS on {database}: {found['worker_rss_mb']} MB "
            f"(peak {found['worker_peak_rss_mb']} MB)"
        )
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(national.SCALES), default="national")
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--drop-postgres", action="store_true")
    args = parser.parse_args()
    if args.drop_postgres:
        drop_postgres()
        return 0
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 1
    results: dict[str, Any] = {
        "machine": machine(),
        "scale": args.scale,
        "duration_s": args.duration,
        "connections": args.connections,
        "seeding_s": {},
        "databases": {},
    }
    for database in args.databases.split(","):
        print(f"== {database}: database ({args.scale})", flush=True)
        url, seconds = (sqlite_database if database == "sqlite" else postgres_database)(args.scale)
        results["seeding_s"][database] = round(seconds, 1) if seconds is not None else "cached"
        if "startup_s" not in results:
            results["startup_s"] = startup_seconds(url)
        print(f"== {database}: pages, {args.connections} clients, {args.duration} s each")
        results["databases"][database] = measure(url, args.scale, args.duration, args.connections)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print()
    print(table(results))
    print(f"\nResults: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
