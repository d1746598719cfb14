"""Benchmark: a burst of 10,000 webhook events delivered by a real `ebok serve` to a local receiver
(issue 14; target <= 60 s).

    uv run python tests/perf/bench_webhooks.py                 # SQLite file
    uv run python tests/perf/bench_webhooks.py --postgres      # PostgreSQL on 127.0.0.1

An endpoint is registered with what the office's screen calls; another process emits 10,000
`payment.received` events with the one emit helper (100 transactions of 100, as a bank statement
import would); the server's outbox worker signs and sends them. The receiver (tests/webhook_receiver.py)
checks every signature with its own HMAC. The clock runs from the first emit to the 10,000th
verified request; then the log is asked whether every delivery is marked delivered. The receiver
and the emitter run on the same cores as the server.

Wall time on a shared machine says little, so the printout also gives each process's CPU time
per event (from /proc: the server with its outbox worker, which signs, sends and books; the
emitter; this process, which is the receiver) and the load average while it ran.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.perf.bench_submissions import free_port
from tests.perf.serving import fresh_database, start_server
from tests.webhook_receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
TARGET = 10_000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and the processes it started (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def python(env: dict[str, str], code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def prepare(env: dict[str, str], url: str) -> str:
    return python(env, f"""
import asyncio
from backend.core import db
from backend.settings import Settings
from backend.webhooks import services

async def main():
    await db.start()
    await db.migrate()
    created = await services.create_endpoint(Settings.from_env(), {url!r}, ["payment.received"], "bench")
    print(created.secret)
    await db.stop()
asyncio.run(main())
""")


EMIT = f"""
import asyncio
from backend.core import db
from backend.core.db import transaction
from backend.webhooks import services

async def main():
    await db.start()
    for batch in range({TARGET} // 100):
        async with transaction():
            for n in range(100):
                i = batch * 100 + n
                await services.emit("payment.received", {{"payment_id": f"bench-{{i}}", "amount_grosze": 100 + i,
                                                          "external_id": f"WB-{{i:05d}}"}})
    await db.stop()
asyncio.run(main())
"""

COUNT = """
import asyncio
from backend.core import db
from backend.webhooks.tables import WebhookDelivery

async def main():
    await db.start()
    print(await WebhookDelivery.count().where(WebhookDelivery.status == "delivered"),
          await WebhookDelivery.count())
    await db.stop()
asyncio.run(main())
"""


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ebok-bench-"))
    receiver = Receiver()
    env = {**os.environ, "PICCOLO_CONF": "backend.piccolo_conf", "EBOK_DATA_DIR": str(tmp),
           "EBOK_WEBHOOK_TEST_HOSTS": "127.0.0.1"}  # the local receiver; never set in production
    await fresh_database(env, "ebok_bench_webhooks", args.postgres)
    receiver.secret = prepare(env, receiver.url)
    port = free_port()
    server = await start_server(env, port, tries=600)
    try:
        server_cpu0, own_cpu0, load0 = cpu_seconds(server.pid), time.process_time(), os.getloadavg()[0]
        started = time.perf_counter()
        emitter = subprocess.Popen([sys.executable, "-c", EMIT], env=env, cwd=ROOT)
        emitted_at, at_emitted, emitter_cpu = None, 0, 0.0
        while receiver.count() < TARGET:
            if emitted_at is None:
                done = os.wait4(emitter.pid, os.WNOHANG)  # noqa: ASYNC222 - WNOHANG does not block
                if done[0]:
                    emitter.returncode = os.waitstatus_to_exitcode(done[1])
                    assert emitter.returncode == 0, "the emitter failed"
                    emitter_cpu = done[2].ru_utime + done[2].ru_stime
                    emitted_at, at_emitted = time.perf_counter() - started, receiver.count()
            if time.perf_counter() - started > args.limit:
                break
            await asyncio.sleep(0.05)
        wall = time.perf_counter() - started
        server_cpu, own_cpu = cpu_seconds(server.pid) - server_cpu0, time.process_time() - own_cpu0
        load1 = os.getloadavg()[0]
        if emitted_at is None:
            _, status, usage = os.wait4(emitter.pid, 0)  # noqa: ASYNC222 - the run is over
            emitter.returncode = os.waitstatus_to_exitcode(status)
            emitter_cpu = usage.ru_utime + usage.ru_stime
        emitted_at = emitted_at or (time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait()
    receiver.stop()
    with receiver.lock:
        got = list(receiver.received)
    ids = {m.id for m in got}
    bad = sum(not m.signature_valid for m in got)
    delivered, total = python(env, COUNT).split()
    db_name = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{db_name}: {len(ids)} of {TARGET} events received ({len(got)} requests, {bad} bad signatures) "
          f"in {wall:.1f} s ({len(got) / wall:.0f}/s); emitting took {emitted_at:.1f} s ({at_emitted} delivered by "
          f"then; the rest in {wall - emitted_at:.1f} s); "
          f"{delivered} of {total} deliveries marked delivered")
    n = max(len(got), 1)
    print(f"CPU per event: server (outbox sender) {server_cpu / n * 1000:.2f} ms ({server_cpu:.1f} s), "
          f"emitter {emitter_cpu / TARGET * 1000:.2f} ms ({emitter_cpu:.1f} s), "
          f"receiver {own_cpu / n * 1000:.2f} ms ({own_cpu:.1f} s); "
          f"{os.cpu_count()} cores, load average {load0:.1f} at the start, {load1:.1f} at the end")
    assert len(ids) == TARGET and bad == 0, "not every event arrived signed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--limit", type=float, default=180.0, help="give up after this many seconds")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
