"""Benchmark: one billing run over the demo town grown to N customers (about 1.08 service points
each), on the database DATABASE_URL names (a fresh database is made on that server) or on a
temporary SQLite file.

    uv run python tests/perf/bench_billing.py [--customers 100000] [--notify]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres uv run python tests/perf/bench_billing.py

The period billed is the last June or December of the demo's readings: monthly, two-monthly and
quarterly periods all end then, so every service point gets an invoice in this one run. The demo
loader does not bill demos above 5,000 customers, so the run starts from no invoices, as a
utility's first run would (each meter opens from its reading before the period).
With --notify the run tells the customers (e-Faktura mails and the notices of issue 15.2 queued in
its transactions, as the office's run does), and the notices' fan-out jobs are then run and timed.
Target (product issue): 100,000 service points in at most 60 s on PostgreSQL. Peak memory is the
process's maximum resident set size (it includes the loading of the demo before the run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _database(reuse: bool) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if reuse:
        return url.rsplit("/", 1)[0] + "/ebok_bench_billing" if url.startswith("postgres") else url
    if url.startswith(("postgres://", "postgresql://")):
        import asyncpg

        async def fresh() -> None:
            conn = await asyncpg.connect(url)
            await conn.execute('DROP DATABASE IF EXISTS "ebok_bench_billing" WITH (FORCE)')
            await conn.execute('CREATE DATABASE "ebok_bench_billing"')
            await conn.close()

        asyncio.run(fresh())
        return url.rsplit("/", 1)[0] + "/ebok_bench_billing"
    return f"sqlite:///{tempfile.mkdtemp(prefix='ebok-bench-billing-')}/bench.sqlite3"


def _period(today: date) -> str:
    year = today.year if today.month > 6 else today.year - 1
    return f"{year}-06" if today.month > 6 else f"{year}-12"


async def _fan_out() -> None:
    """Run the notices' fan-out jobs the run queued (as a worker would) and print what they cost."""
    from backend.core.tables import OutboxJob
    from backend.notices.fanout import FANOUT_JOB, NoticeFanout
    from backend.notices.tables import Notice
    from backend.settings import Settings

    jobs = await OutboxJob.select().where(OutboxJob.kind == FANOUT_JOB).output(load_json=True)
    mails = await OutboxJob.count().where(OutboxJob.kind == "billing_invoice_mail")
    events = sum(len(j["payload"]["events"]) for j in jobs)
    print(f"queued in the run: {len(jobs)} notice fan-out jobs ({events} events), {mails} e-Faktura mail jobs")
    handler = NoticeFanout(Settings.from_env())
    cpu0, t0 = time.process_time(), time.perf_counter()
    for job in jobs:
        await handler(job["payload"])
    print(f"fan-out of the notices: {await Notice.count()} notices queued in {time.perf_counter() - t0:.1f} s "
          f"(CPU {time.process_time() - cpu0:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the demo of the last run (PostgreSQL: ebok_bench_billing; SQLite: DATABASE_URL) "
                             "and only drop its invoices")
    parser.add_argument("--notify", action="store_true",
                        help="the run queues the e-Faktura mails and the customers' notices; their fan-out is timed")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = _database(args.reuse)
    os.environ["PICCOLO_CONF"] = "backend.piccolo_conf"
    os.environ.setdefault("EBOK_DATA_DIR", tempfile.mkdtemp(prefix="ebok-bench-data-"))

    from backend.billing.run import run_billing
    from backend.billing.tables import BilledMeter, Document, DocumentLine
    from backend.billing.tariffs import ensure_demo_tariff
    from backend.core import db
    from backend.customers.tables import ServicePoint
    from backend.demo.load import load_demo
    from backend.settings import Settings

    async def run() -> None:
        await db.start()
        try:
            await db.migrate()
            t0 = time.perf_counter()
            if args.reuse:
                for table in (DocumentLine, BilledMeter, Document):
                    await table.delete(force=True)
            else:
                await load_demo(args.customers)
            loaded = time.perf_counter() - t0
            await ensure_demo_tariff(date(2000, 1, 1))
            points = await ServicePoint.count()
            period = _period(date.today())
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            cpu0 = time.process_time()
            t1 = time.perf_counter()
            result = await run_billing(Settings.from_env(), period, notify=args.notify, reminders=False)
            wall = time.perf_counter() - t1
            cpu = time.process_time() - cpu0
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            engine = "PostgreSQL" if db.is_postgres() else "SQLite"
            print(f"{engine}: demo of {args.customers} customers ({points} service points) loaded in {loaded:.1f} s")
            print(f"billing run {period}: {result.invoices} invoices ({result.estimated} estimated), "
                  f"{await DocumentLine.count()} lines, {await BilledMeter.count()} meter values in {wall:.1f} s "
                  f"({result.invoices / wall:.0f} invoices/s)")
            print(f"CPU time of this process during the run: {cpu:.1f} s (the rest is the database and waiting)")
            print(f"peak RSS {rss / 1024:.0f} MB (before the run {rss_before / 1024:.0f} MB)")
            if args.notify:
                await _fan_out()
            again = time.perf_counter()
            rerun = await run_billing(Settings.from_env(), period, notify=False, reminders=False)
            print(f"rerun of the same period: {rerun.invoices} invoices in {time.perf_counter() - again:.1f} s; "
                  f"documents in the database: {await Document.count()}")
        finally:
            await db.stop()

    asyncio.run(run())


if __name__ == "__main__":
    main()
