"""10,000 SMS through the outbox to a local SMSAPI gateway (tests/sms_gateway.py, in a process of
its own: it checks the token, the number and the idx of every request, like the real one).

    uv run python tests/perf/bench_sms.py [--messages 10000] [--workers 1]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres uv run python tests/perf/bench_sms.py

Queues the messages as an outage alert does (sms.queue_many: rows and `sms` jobs of 20), then
runs outbox workers in this process until every message is recorded as sent. Prints the seconds
to queue and to send, and messages per second. Target (issue 15.5): 10,000 in <= 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
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
    conn.send({"sent": len(g.sent), "requests": g.requests})
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
    await db.migrate()
    messages = [sms.Outgoing(f"bench:{i}", f"+48 6{i:08d}", "Wodociągi Demo: Awaria: ul. Lipowa. Pękła rura. "
                             "Przewidywane zakończenie: 02.12.2026 18:00. Awarie: 994", "outage")
                for i in range(args.messages)]
    start = time.perf_counter()
    queued = await sms.queue_many(settings, messages)
    queued_at = time.perf_counter()
    delivery = sms.SmsDelivery(settings)
    workers = [outbox.Worker({sms.JOB: delivery}, concurrency=8) for _ in range(args.workers)]
    while await SmsMessage.count().where(SmsMessage.status.is_in(["queued", "sending"])):
        if not sum(await asyncio.gather(*(w.run_once() for w in workers))):
            await asyncio.sleep(0.05)
    done = time.perf_counter()
    sent = await SmsMessage.count().where(SmsMessage.status == "sent")
    await delivery.aclose()
    await db.stop()
    parent.send("done")
    seen = parent.recv()
    stub.join(5)
    backend = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(f"{backend}: queued {queued} SMS in {queued_at - start:.2f} s; sent {sent} in {done - queued_at:.2f} s "
          f"({sent / (done - queued_at):.0f}/s); total {done - start:.2f} s; the gateway took {seen['sent']} "
          f"in {seen['requests']} requests")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=1)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("EBOK_DATA_DIR", tmp)
        asyncio.run(main(arguments))
