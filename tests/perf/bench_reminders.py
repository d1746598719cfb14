"""Reading reminders for 100,000 service points whose window opens today (issue 15.5), pushed to a
local push service.

    uv run python tests/perf/bench_reminders.py [--points 100000]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres uv run python tests/perf/bench_reminders.py

The registry is bulk-inserted (core/bulk, as the demo's load does): `--points` customers on a monthly
billing period, one service point and main meter each, an account with one subscribed device
(the push service's) and the `reminder_push` consent given in the register. The clock of every
process is the test clock (EBOK_TEST_CLOCK, backend/core/clock.py), set to 25 January 2027 07:00
Warsaw while the workers start, the day the monthly window (7 days) opens; then it is moved to
8:00, when the daily `reading_reminders` job comes due.

As deployed: this process plays `ebok serve` (its in-process outbox worker, with the daily jobs)
and one real `ebok worker` process shares the jobs. The push service (tests/push_service.py) runs
in a process of its own: it checks the VAPID JWT of every request and decrypts every 100th body.

Prints (a) the seconds from 8:00 until the scan job has queued every reminder (target <= 30 s),
(b) the seconds from 8:00 until every reminder is recorded as pushed (target <= 90 s), the CPU
seconds of both processes per reminder, their peak memory and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DAY = date(2027, 1, 25)  # 31 January - 6: the monthly window opens
TIMEOUT = 600.0  # seconds the run may take before it is called failed


def _stub(n: int, conn) -> None:  # type: ignore[no-untyped-def]
    from tests.push_service import PushService

    service = PushService(decrypt_every=100)
    conn.send((service.origin, [service.device(f"d{i}").to_json() for i in range(n)]))
    conn.recv()  # the benchmark is over
    decrypted = [r for r in service.received if r.payload is not None]
    conn.send({"received": len(service.received), "cpu": time.process_time(), "errors": service.errors[:3],
               "decrypted": len(decrypted), "sample": decrypted[0].payload if decrypted else None})
    service.stop()


async def seed(devices: list[dict[str, Any]]) -> None:
    """One customer, service point, main meter, account, device and reminder_push consent per
    device, written with core/bulk (COPY on PostgreSQL, executemany on SQLite)."""
    from backend.accounts.tables import User, UserCustomer
    from backend.consents.tables import ConsentEvent
    from backend.core import bulk
    from backend.core.db import transaction
    from backend.customers.tables import Customer, Meter, ServicePoint
    from backend.outages.tables import PushSubscription

    at = datetime(2026, 12, 1, 12, tzinfo=UTC)
    columns: dict[Any, tuple[str, ...]] = {
        Customer: ("id", "number", "name", "email", "phone", "street", "house_number", "postcode", "town",
                   "billing_period_months", "created_at"),
        ServicePoint: ("id", "customer", "code", "street", "house_number", "apartment", "postcode", "town",
                       "created_at"),
        Meter: ("id", "service_point", "serial", "kind", "installed_on", "verification_due", "digits", "active",
                "initial_litres"),
        User: ("id", "email", "name", "role", "password_hash", "language", "active", "created_at"),
        UserCustomer: ("id", "user", "customer"),
        PushSubscription: ("id", "user", "endpoint", "p256dh", "auth", "language", "user_agent", "all_points",
                           "service_point_ids", "created_at"),
        ConsentEvent: ("id", "customer", "kind", "action", "at", "channel", "email"),
    }
    rows: dict[Any, list[tuple[Any, ...]]] = {t: [] for t in columns}
    for i, device in enumerate(devices):
        cid, pid, uid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        street, number, lang = f"ul. Ulica {i // 500}", str(i % 500 + 1), "pl" if i % 10 else "en"
        rows[Customer].append((cid, str(600000 + i), f"Odbiorca {i}", "", "", street, number, "19-400", "Olecko", 1, at))
        rows[ServicePoint].append((pid, cid, f"PP{i:07d}", street, number, "", "19-400", "Olecko", at))
        rows[Meter].append((uuid.uuid4(), pid, f"BR{i:08d}", "main", date(2024, 1, 1), date(2030, 1, 1), 5, True, 0))
        rows[User].append((uid, f"rem{i}@example.com", f"Odbiorca {i}", "resident", "", lang, True, at))
        rows[UserCustomer].append((uuid.uuid4(), uid, cid))
        rows[PushSubscription].append((uuid.uuid4(), uid, device["endpoint"], device["keys"]["p256dh"],
                                       device["keys"]["auth"], lang, "bench", True, "[]", at))
        rows[ConsentEvent].append((uuid.uuid4(), cid, "reminder_push", "given", at, "portal", ""))
    for table, table_rows in rows.items():
        for start in range(0, len(table_rows), 10_000):
            async with transaction() as tx:
                await bulk.insert(tx, table, columns[table], table_rows[start:start + 10_000])


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    """An `ebok worker` process, returned once it has said it polls the outbox."""
    worker = subprocess.Popen([sys.executable, "-m", "backend.cli", "worker"], cwd=ROOT, env=env,
                              stderr=subprocess.PIPE, text=True)
    assert worker.stderr is not None
    while "outbox worker started" not in (line := worker.stderr.readline()):
        if not line:
            raise RuntimeError("ebok worker exited")
    return worker


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(args: argparse.Namespace, devices: list[dict[str, Any]], clock_file: Path) -> dict[str, Any]:
    from backend.app import daily_jobs, outbox_handlers
    from backend.core import clock, db, outbox
    from backend.core.tables import OutboxJob
    from backend.notices.reminders import SCAN_JOB
    from backend.notices.tables import Reminder
    from backend.settings import Settings

    with contextlib.redirect_stdout(io.StringIO()):
        await db.migrate()
    await db.start()
    try:
        started = time.perf_counter()
        await seed(devices)
        seeded = time.perf_counter() - started
        settings = Settings.from_env()
        early = datetime(DAY.year, DAY.month, DAY.day, 7, tzinfo=clock.WARSAW)
        clock.set_test_clock(clock_file, early)  # the day has begun; its 8:00 job is not due yet
        worker_procs = [start_worker(dict(os.environ)) for _ in range(args.workers)]
        worker = outbox.Worker(outbox_handlers(settings), daily=daily_jobs())  # as inside `ebok serve`
        worker.start()
        while not await OutboxJob.count().where(OutboxJob.kind == SCAN_JOB):  # the day's job, queued for 8:00
            await asyncio.sleep(0.1)
        load_before = os.getloadavg()
        profiler = None
        if os.environ.get("EBOK_PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        cpu_start, worker_cpu_start = time.process_time(), sum(cpu_seconds(w.pid) for w in worker_procs)
        clock.set_test_clock(clock_file, early.replace(hour=8))
        start = time.perf_counter()
        queued_s = sent_s = None
        total = reminders = 0
        while time.perf_counter() - start < TIMEOUT:
            await asyncio.sleep(0.2)
            if queued_s is None:
                job = await OutboxJob.select(OutboxJob.status).where(OutboxJob.kind == SCAN_JOB).first()
                if job and job["status"] in ("done", "failed"):
                    queued_s = time.perf_counter() - start
                    reminders = await Reminder.count()
                continue
            if not await Reminder.count().where(Reminder.status == "queued"):
                sent_s = time.perf_counter() - start
                break
        cpu = time.process_time() - cpu_start
        worker_cpu = sum(cpu_seconds(w.pid) for w in worker_procs) - worker_cpu_start
        worker_rss = max([peak_rss_mb(w.pid) for w in worker_procs] or [0.0])
        load_after = os.getloadavg()
        if profiler:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats(os.environ.get("EBOK_PROFILE_SORT", "tottime")).print_stats(30)
        await worker.stop()
        for w in worker_procs:
            w.terminate()
            w.wait(15)
        by_status = {r["status"]: r["n"] for r in await Reminder.raw(
            "SELECT status, COUNT(*) AS n FROM reminder GROUP BY status")}
        total = sum(by_status.values())
        scan = await OutboxJob.select(OutboxJob.status, OutboxJob.last_error).where(OutboxJob.kind == SCAN_JOB).first()
        return {"seeded": seeded, "queued_s": queued_s, "sent_s": sent_s, "reminders": reminders, "total": total,
                "by_status": by_status, "cpu": cpu, "worker_cpu": worker_cpu, "worker_rss": worker_rss,
                "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "scan": scan,
                "load_before": load_before, "load_after": load_after}
    finally:
        await db.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1, help="`ebok worker` processes besides this one")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ebok-bench-reminders-"))
    clock_file = tmp / "clock"
    clock_file.write_text(datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC).isoformat())
    os.environ["EBOK_TEST_CLOCK"] = str(clock_file)  # before backend.core.clock is imported
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        os.environ["EBOK_TEST_POSTGRES"] = base
        from tests.support import database_url_for

        os.environ["DATABASE_URL"] = database_url_for("bench_reminders")
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["EBOK_DATA_DIR"] = str(tmp)
    os.environ["PICCOLO_CONF"] = "backend.piccolo_conf"
    os.environ["EBOK_PUSH_TEST_HOSTS"] = "127.0.0.1"  # the local push service; never set in production
    os.environ["EBOK_READING_WINDOW_DAYS"] = "7"

    parent, child = multiprocessing.Pipe()
    stub = multiprocessing.get_context("spawn").Process(target=_stub, args=(args.points, child), daemon=True)
    stub.start()
    origin, devices = parent.recv()

    result = asyncio.run(run(args, devices, clock_file))
    parent.send("stop")
    report = parent.recv()
    stub.join(10)

    n = args.points
    database = "PostgreSQL" if os.environ["DATABASE_URL"].startswith("postgres") else "SQLite"
    sent = result["by_status"].get("sent", 0)
    queued_s, sent_s = result["queued_s"], result["sent_s"]
    cpu = result["cpu"] + result["worker_cpu"]
    print(f"reading reminders: {n} service points whose window opens {DAY}, {database}, {os.cpu_count()} cores; "
          f"this process as `ebok serve` (in-process worker) + {args.workers} `ebok worker`; local push service at {origin}")
    print(f"  data prepared         {result['seeded']:.1f} s (bulk inserts: customers, points, meters, accounts, "
          "devices, consents)")
    print(f"  (a) queued            {result['reminders']} reminders in "
          + (f"{queued_s:.2f} s" if queued_s is not None else "— (not finished)")
          + f"  (8:00 -> the scan job done; job {result['scan']['status'] if result['scan'] else '?'}"
          + (f", {result['scan']['last_error'][:200]}" if result["scan"] and result["scan"]["last_error"] else "")
          + ")")
    print(f"  (b) pushed            {sent} of {result['total']} sent in "
          + (f"{sent_s:.2f} s" if sent_s is not None else f"— (not finished in {TIMEOUT:.0f} s)")
          + f"  (8:00 -> no reminder left queued); by status {result['by_status']}")
    print(f"  push service          received {report['received']}, checked every JWT, decrypted "
          f"{report['decrypted']} bodies, errors {report['errors']}")
    if report["sample"]:
        print(f"  sample payload        {report['sample']}")
    print(f"  CPU                   {cpu:.1f} s in all ({cpu / max(result['total'], 1) * 1e6:,.0f} µs a reminder): "
          f"this process {result['cpu']:.1f} s, `ebok worker` {result['worker_cpu']:.1f} s; push service "
          f"{report['cpu']:.1f} s in its own process")
    print(f"  peak memory (RSS)     this process {result['rss']:.0f} MB, `ebok worker` {result['worker_rss']:.0f} MB")
    print("  load average          before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
        *result["load_before"], *result["load_after"]))
    met_a = queued_s is not None and queued_s <= 30 and result["reminders"] == n
    met_b = sent_s is not None and sent_s <= 90 and sent == n
    print(f"  target (a) <= 30 s    {'met' if met_a else 'NOT met'}")
    print(f"  target (b) <= 90 s    {'met' if met_b else 'NOT met'}")
    shutil.rmtree(tmp, ignore_errors=True)  # the SQLite file of a 100,000-point run is ~200 MB


if __name__ == "__main__":
    main()
