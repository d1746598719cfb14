# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmark: `ebok backup` and `ebok restore` of the N-customer demo (issue 17), on SQLite and PostgreSQL.

    uv run python tests/perf/bench_backup.py [--customers 100000] [--engines sqlite,postgres]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--keep]

Per engine, in a fresh data directory and a fresh database (SQLite: a new file; PostgreSQL: the database
ebok_bench_backup, dropped and created again): `ebok demo --customers N --no-serve` loads the demo, then

1. `ebok backup DIR` while the app is idle (no server running);
2. `ebok backup DIR` while a real `ebok serve` takes readings with photos (one every 0.25 s from the
   demo resident) — the readings answered during the backup are counted;
3. `ebok restore DIR` (the idle backup) into an empty data directory and an empty database
   (PostgreSQL: ebok_bench_backup_restore).

Each step is its own process, as an operator runs it; the figures are its wall time and its CPU time
(the command's and its children's, pg_dump/pg_restore included; not the PostgreSQL server's) and peak
RSS (os.wait4),
and the backup's size (the database dump, the stored files, all). Runs unattended; a summary table last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.pdfs import jpeg  # noqa: E402
from tests.support import http_ok, spawn, start_listening, stop  # noqa: E402

EBOK = [sys.executable, "-m", "backend.cli"]
DEMO_PASSWORD = "demo-ebok-2026"
DB_NAME = "ebok_bench_backup"


@dataclass
class Step:
    wall: float
    cpu: float
    peak_mb: float
    out: str


def run(env: dict[str, str], *args: str, timeout: float = 7200) -> Step:
    """One `ebok` command in a process of its own: wall time, CPU (its own and that of the children it
    waited for: pg_dump, pg_restore) and peak RSS, from os.wait4."""
    with tempfile.TemporaryFile() as out:
        t0 = time.monotonic()
        proc = subprocess.Popen([*EBOK, *args], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - t0
        out.seek(0)
        text = out.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"ebok {' '.join(args)} failed ({proc.returncode}):\n{text[-4000:]}")
    return Step(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text)


def fresh_postgres(base: str, name: str) -> str:
    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(base)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return base.rsplit("/", 1)[0] + "/" + name


def env_for(data: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SMTP_URL", "PROMETHEUS_MULTIPROC_DIR", "EBOK_STORAGE_URL", "PYTHONDONTWRITEBYTECODE"))}
    env.update(DATABASE_URL=database_url, EBOK_DATA_DIR=str(data), PYTHONUNBUFFERED="1",
               PICCOLO_CONF="backend.piccolo_conf")
    return env


def size_of(folder: Path) -> dict[str, int]:
    manifest = json.loads((folder / "manifest.json").read_text())
    database = int(manifest["database"]["size"])
    files = sum(int(e["size"]) for e in manifest["files"].values())
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {"database": database, "files": files, "count": len(manifest["files"]), "total": total}


def mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def backup_while_readings_arrive(env: dict[str, str], data: Path, target: Path) -> tuple[Step, int, int]:
    """`ebok backup` while a real server takes a reading with a photo every 0.25 s; returns the step, the
    readings answered while it ran, and those that failed (should be 0)."""
    import httpx

    log = data.parent / f"{data.name}-serve.log"

    def spawn_at(port: int) -> subprocess.Popen[bytes]:
        return spawn([*EBOK, "serve", "--port", str(port)], {**env, "EBOK_BASE_URL": f"http://127.0.0.1:{port}"},
                     log, cwd=ROOT)

    server, port = start_listening(spawn_at, lambda p: http_ok(f"http://127.0.0.1:{p}/api/ready"), lambda _: [log],
                                   timeout=600)
    answered: list[tuple[float, float]] = []
    failed: list[str] = []
    halt = threading.Event()
    try:
        c = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        c.get("/api/config")
        c.headers["X-CSRFToken"] = c.cookies["csrftoken"]
        r = c.post("/api/session", json={"login": "anna.nowak@example.com", "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        meters = c.get("/api/meters").json()
        meter = str((meters["meters"] if isinstance(meters, dict) else meters)[0]["id"])

        def resident() -> None:
            value = 990000
            while not halt.is_set():
                value += 10
                t0 = time.monotonic()
                r = c.post("/api/readings", headers={"Idempotency-Key": str(uuid.uuid4())},
                           data={"meter_id": meter, "value": str(value), "captured_at": datetime.now(UTC).isoformat(),
                                 "comment": ""},
                           files={"photo": ("licznik.jpg", jpeg(320 + value % 300, 240), "image/jpeg")})
                (answered.append((t0, time.monotonic())) if r.status_code == 201
                 else failed.append(f"{r.status_code} {r.text[:200]}"))
                halt.wait(0.25)

        thread = threading.Thread(target=resident, daemon=True)
        thread.start()
        try:
            time.sleep(1.0)
            started = time.monotonic()
            step = run(env, "backup", str(target))
            ended = time.monotonic()
        finally:
            halt.set()
            thread.join(timeout=60)
        c.close()
    finally:
        stop(server, grace=30)
    during = sum(1 for t0, t1 in answered if t0 < ended and t1 > started)
    return step, during, len(failed)


def bench(engine: str, customers: int, pg_base: str, work: Path) -> dict[str, Any]:
    print(f"\n== {engine}: the {customers:,}-customer demo ==", flush=True)
    data = work / f"{engine}-data"
    url = (fresh_postgres(pg_base, DB_NAME) if engine == "postgresql"
           else f"sqlite:///{data / 'ebok.sqlite3'}")
    env = env_for(data, url)
    load = run(env, "demo", "--customers", str(customers), "--no-serve")
    print(f"demo loaded in {load.wall:.1f} s ({load.cpu:.1f} s CPU, peak RSS {load.peak_mb:,.0f} MB)", flush=True)

    idle = run(env, "backup", str(work / f"{engine}-backup-idle"))
    idle_size = size_of(work / f"{engine}-backup-idle")
    print(f"backup, idle: {idle.wall:.1f} s wall, {idle.cpu:.1f} s CPU, peak RSS {idle.peak_mb:,.0f} MB; "
          f"{mb(idle_size['total'])} "
          f"(database {mb(idle_size['database'])}, {idle_size['count']} files {mb(idle_size['files'])})", flush=True)

    busy, during, failed = backup_while_readings_arrive(env, data, work / f"{engine}-backup-busy")
    busy_size = size_of(work / f"{engine}-backup-busy")
    print(f"backup, readings arriving: {busy.wall:.1f} s wall, {busy.cpu:.1f} s CPU; {mb(busy_size['total'])}; "
          f"{during} readings answered during it, {failed} refused", flush=True)

    target = work / f"{engine}-restored"
    restore_url = (fresh_postgres(pg_base, f"{DB_NAME}_restore") if engine == "postgresql"
                   else f"sqlite:///{target / 'ebok.sqlite3'}")
    restored = run(env_for(target, restore_url), "restore", str(work / f"{engine}-backup-idle"))
    print(f"restore into an empty target: {restored.wall:.1f} s wall, {restored.cpu:.1f} s CPU, "
          f"peak RSS {restored.peak_mb:,.0f} MB", flush=True)
    return {"engine": engine, "load": load, "idle": idle, "idle_size": idle_size, "busy": busy,
            "busy_size": busy_size, "during": during, "failed": failed, "restore": restored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=os.environ.get("EBOK_BENCH_POSTGRES",
                                                           "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--keep", action="store_true", help="keep the work folder (backups, data directories)")
    args = parser.parse_args()
    names = {"sqlite": "sqlite", "postgres": "postgresql", "postgresql": "postgresql"}
    engines = [names[e.strip()] for e in args.engines.split(",") if e.strip()]
    work = Path(tempfile.mkdtemp(prefix="ebok-bench-backup-"))
    print(f"bench_backup: {args.customers:,} customers, engines {', '.join(engines)}; work folder {work}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    results = []
    try:
        for engine in engines:
            results.append(bench(engine, args.customers, args.postgres, work))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nSummary ({args.customers:,} customers; load average now {os.getloadavg()[0]:.1f}; "
          "wall / CPU of the command and its children)")
    print(f"{'engine':<11} {'demo load':>16} {'backup idle':>18} {'size':>10} {'database':>10} {'files':>16} "
          f"{'backup + readings':>18} {'readings':>9} {'restore':>16}")
    for r in results:
        s = r["idle_size"]
        print(f"{r['engine']:<11} {r['load'].wall:>7.1f}/{r['load'].cpu:>6.1f} s "
              f"{r['idle'].wall:>9.1f}/{r['idle'].cpu:>6.1f} s "
              f"{mb(s['total']):>10} {mb(s['database']):>10} {s['count']:>5} {mb(s['files']):>10} "
              f"{r['busy'].wall:>9.1f}/{r['busy'].cpu:>6.1f} s {r['during']:>9} "
              f"{r['restore'].wall:>7.1f}/{r['restore'].cpu:>6.1f} s")
    if any(r["failed"] for r in results):
        raise SystemExit("some readings were refused during the backup")


if __name__ == "__main__":
    main()
