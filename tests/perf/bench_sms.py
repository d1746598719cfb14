"""10,000 SMS through the outbox to a local SMSAPI gateway (tests/sms_gateway.py, in a process of
its own: it checks the token, the number and the idx of every request, like the real one).

    uv run python tests/perf/bench_sms.py [--messages 10000] [--workers 1]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres uv run python tests/perf/bench_sms.py

Queues the messages as an outage alert does (sms.queue_many: rows and `sms` jobs of 20), then
runs outbox workers in this process until every message is recorded as sent (or --bound seconds
pass: then it says how far it got). Prints the seconds to queue and to send, messages per second,
the CPU seconds per message of this process (the sender) and of the gateway's, peak memory and the
load average. Target (issue 15.5): 10,000 in <= 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _gateway(conn) -> None:  # type: ignore[no-untyped-def]
    from tests.sms_gateway import SmsGateway

    g = SmsGateway()
    conn.send(g.url)
    conn.recv()
    conn.send({"sent": len(g.sent), "requests": g.requests, "cpu": time.process_time()})
    g.stop()


async def main(args: argparse.Namespace) -> None:
    import msgspec

    from backend.core import db, outbox, sms
    from backend.core.tables import SmsMessage
    from backend.settings import Settings
    from tests.perf.serving import fresh_database
    from tests.sms_gateway import TOKEN

    parent, child = multiprocessing.Pipe()
    stub = multiprocessing.Process(target=_gateway, args=(child,), daemon=True)
    stub.start()
    url = parent.recv()
    env = dict(os.environ)
    await fresh_database(env, f"ebok_bench_sms_{uuid.uuid4().hex[:8]}", bool(os.environ.get("DATABASE_URL")))
    if "DATABASE_URL" in env:
        os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    settings = msgspec.structs.replace(Settings.from_env(), smsapi_token=TOKEN, smsapi_url=url, sms_monthly_limit=0)
    await db.start()
    with contextlib.redirect_stdout(io.StringIO()):  # the migrations' report
        await db.migrate()
    messages = [sms.Outgoing(f"bench:{i}", f"+48 6{i:08d}", "Wodociągi Demo: Awaria: ul. Lipowa. Pękła rura. "
                             "Przewidywane zakończenie: 02.12.2026 18:00. Awarie: 994", "outage")
                for i in range(args.messages)]
    load_before = os.getloadavg()
    cpu_start = time.process_time()
    start = time.perf_counter()
    queued = await sms.queue_many(settings, messages)
    queued_at = time.perf_counter()
    delivery = sms.SmsDelivery(settings)
    workers = [outbox.Worker({sms.JOB: delivery}, concurrency=args.concurrency) for _ in range(args.workers)]
    for w in workers:
        w.start()
    finished = True
    while await SmsMessage.count().where(SmsMessage.status.is_in(["queued", "sending"])):
        if time.perf_counter() - start > args.bound:
            finished = False
            break
        await asyncio.sleep(0.1)
    done = time.perf_counter()
    cpu = time.process_time() - cpu_start
    for w in workers:
        await w.stop()
    sent = await SmsMessage.count().where(SmsMessage.status == "sent")
    await delivery.aclose()
    await db.stop()
    parent.send("done")
    seen = parent.recv()
    stub.join(5)
    load_after = os.getloadavg()
    backend = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    sending = done - queued_at
    print(f"SMS to the local SMSAPI gateway: {args.messages} messages, {backend}, {os.cpu_count()} cores, "
          f"{args.workers} outbox worker(s) in this process, {args.concurrency} jobs of {sms.JOB_SIZE} at once each")
    print(f"  queued                {queued} in {queued_at - start:.2f} s (sms.queue_many: rows and jobs)")
    print(f"  sent                  {sent} of {queued} in {sending:.2f} s ({sent / max(sending, 1e-9):.0f}/s)"
          + ("" if finished else f"  — NOT finished within the {args.bound:.0f} s bound"))
    print(f"  total                 {done - start:.2f} s; the gateway took {seen['sent']} in {seen['requests']} "
          "requests")
    print(f"  CPU                   this process {cpu:.1f} s ({cpu / max(sent, 1) * 1e3:.2f} ms a message); "
          f"the gateway {seen['cpu']:.1f} s in its own process")
    print(f"  peak memory (RSS)     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print("  load average          before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
        *load_before, *load_after))
    met = finished and sent == args.messages and done - start <= 60
    print(f"  target <= 60 s        {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=1, help="outbox workers (as in one `ebok serve`)")
    parser.add_argument("--concurrency", type=int, default=8, help="jobs a worker runs at once (the outbox's 8)")
    parser.add_argument("--bound", type=float, default=400, help="seconds after which the run stops and reports")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("EBOK_DATA_DIR", tmp)
        asyncio.run(main(arguments))
