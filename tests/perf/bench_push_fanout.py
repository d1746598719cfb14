"""Fan-out of one outage alert to 10,000 subscribed devices against a local push service.

    uv run python tests/perf/bench_push_fanout.py [--devices 10000] [--senders 2] [--in-flight 16]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres uv run python tests/perf/bench_push_fanout.py

As deployed: this process plays `ebok serve` (its in-process outbox worker takes the
`outage_alert` job the moment it is queued) and `--senders` - 1 real `ebok worker` processes
take the helper jobs that share the fan-out. The push service (tests/push_service.py) runs in a
process of its own: it checks the VAPID JWT of every request and decrypts every 100th body.
Prints messages per second, total seconds from queuing the job to the publication finished
(targeting + sending + recording), peak memory, and the per-message cost next to the bare
cryptographic floor (ephemeral P-256 key + ECDH + HKDF + AES-GCM) and next to webpush's
encryption alone. Target (docs/DESIGN.md): <= 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _stub(n: int, conn) -> None:  # type: ignore[no-untyped-def]
    from tests.push_service import PushService

    service = PushService(decrypt_every=100)
    conn.send((service.origin, [service.device(f"d{i}").to_json() for i in range(n)]))
    conn.recv()  # the benchmark is over
    decrypted = [r for r in service.received if r.payload is not None]
    conn.send({"received": len(service.received), "cpu": time.process_time(), "errors": service.errors[:3],
               "decrypted": len(decrypted),
               "sample": decrypted[0].payload["title"] if decrypted else None})
    service.stop()


def crypto_floor(n: int) -> float:
    """Seconds per message for the unavoidable work: RFC 8291 with nothing around it."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    ua = ec.generate_private_key(ec.SECP256R1()).public_key()
    auth, salt, data = os.urandom(16), os.urandom(16), b"x" * 200
    start = time.perf_counter()
    for _ in range(n):
        key = ec.generate_private_key(ec.SECP256R1())
        secret = key.exchange(ec.ECDH(), ua)
        ikm = HKDF(algorithm=hashes.SHA256(), length=32, salt=auth, info=b"WebPush: info\x00").derive(secret)
        cek = HKDF(algorithm=hashes.SHA256(), length=16, salt=salt, info=b"cek").derive(ikm)
        nonce = HKDF(algorithm=hashes.SHA256(), length=12, salt=salt, info=b"nonce").derive(ikm)
        AESGCM(cek).encrypt(nonce, data + b"\x02", None)
    return (time.perf_counter() - start) / n


async def seed(n: int, devices: list[dict]) -> str:
    """n customers on ul. Lipowa, each with an account and one subscribed device."""
    from backend.accounts.tables import User, UserCustomer
    from backend.customers.tables import Customer, ServicePoint
    from backend.outages.tables import Outage, Publication, PushSubscription

    customers, points, users, links, subs = [], [], [], [], []
    for i, device in enumerate(devices[:n]):
        cid, uid = uuid.uuid4(), uuid.uuid4()
        customers.append(Customer(id=cid, number=str(500000 + i), name=f"Odbiorca {i}", town="Olecko"))
        points.append(ServicePoint(id=uuid.uuid4(), customer=cid, street="ul. Lipowa", house_number=str(i + 1),
                                   postcode="19-400", town="Olecko"))
        users.append(User(id=uid, email=f"bench{i}@example.com", active=True))
        links.append(UserCustomer(user=uid, customer=cid))
        subs.append(PushSubscription(id=uuid.uuid4(), user=uid, endpoint=device["endpoint"],
                                     p256dh=device["keys"]["p256dh"], auth=device["keys"]["auth"],
                                     language="pl" if i % 10 else "en"))
    for table_rows in (customers, points, users, links, subs):
        for start in range(0, len(table_rows), 1000):
            await type(table_rows[0]).insert(*table_rows[start:start + 1000])
    now = datetime.now(UTC)
    outage_id, pub_id = uuid.uuid4(), uuid.uuid4()
    await Outage.insert(Outage(id=outage_id, kind="failure", status="published", title="Awaria sieci wodociągowej",
                               starts_at=now, expected_end=now + timedelta(hours=5), town="Olecko",
                               area={"streets": [{"street": "ul. Lipowa", "from_number": None, "to_number": None,
                                                  "parity": "all"}], "service_point_ids": []},
                               version=1, published_at=now))
    await Publication.insert(Publication(id=pub_id, outage=outage_id, seq=1, reason="published"))
    return str(pub_id)


def start_workers(n: int) -> list[subprocess.Popen]:
    """`ebok worker` processes, returned once each has said it polls the outbox."""
    workers = [subprocess.Popen([sys.executable, "-m", "backend.cli", "worker"], cwd=ROOT, stderr=subprocess.PIPE,
                                text=True) for _ in range(n)]
    for w in workers:
        assert w.stderr is not None
        while "outbox worker started" not in (line := w.stderr.readline()):
            if not line:
                raise RuntimeError("ebok worker exited")
    return workers


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def run(args: argparse.Namespace, devices: list[dict]) -> dict:
    from backend.app import outbox_handlers
    from backend.core import db, outbox
    from backend.outages import push, services, vapid
    from backend.outages.sender import SEND_JOB
    from backend.outages.tables import Publication, PushDelivery
    from backend.settings import Settings

    with contextlib.redirect_stdout(io.StringIO()):
        await db.migrate()
    await db.start()
    try:
        pub_id = await seed(args.devices, devices)
        settings = Settings.from_env()
        keys = await vapid.keys()
        encryptor = push.Encryptor(keys)
        sample = devices[0]["keys"]
        payload = services.alert_payload({"id": uuid.uuid4(), "kind": "failure", "title": "Awaria sieci wodociągowej",
                                          "starts_at": datetime.now(UTC), "expected_end": None, "water_point": "",
                                          "area": {"streets": [{"street": "ul. Lipowa"}]}}, "published", 1, "pl",
                                         datetime.now(UTC))
        m = 2000
        start = time.perf_counter()
        for _ in range(m):
            encryptor.encrypt(payload, sample["p256dh"], sample["auth"])
        webpush_encrypt = (time.perf_counter() - start) / m

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        workers = start_workers(args.senders - 1)
        worker = outbox.Worker(outbox_handlers(settings))  # as inside `ebok serve`
        worker.start()
        profiler = None
        if os.environ.get("EBOK_PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        cpu_start, workers_cpu = time.process_time(), sum(cpu_seconds(w.pid) for w in workers)
        start = time.perf_counter()
        await outbox.enqueue("outage_alert", {"publication_id": pub_id})
        while (await Publication.select(Publication.finished_at).where(Publication.id == uuid.UUID(pub_id))
               .first())["finished_at"] is None:
            await asyncio.sleep(0.02)
        total = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        workers_cpu = sum(cpu_seconds(w.pid) for w in workers) - workers_cpu
        if profiler:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats(os.environ.get("EBOK_PROFILE_SORT", "tottime")).print_stats(25)
        await worker.stop()
        for w in workers:
            w.terminate()
            w.wait(10)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        sent = await PushDelivery.count().where(PushDelivery.status == "sent")
        by_helpers = await outbox_count(SEND_JOB)
        return {"total": total, "cpu": cpu, "workers_cpu": workers_cpu, "sent": sent, "helpers": by_helpers,
                "webpush_encrypt": webpush_encrypt, "rss_before": rss_before, "rss_after": rss_after,
                "payload_bytes": len(payload)}
    finally:
        await db.stop()


async def outbox_count(kind: str) -> int:
    from backend.core.tables import OutboxJob

    return await OutboxJob.count().where((OutboxJob.kind == kind) & (OutboxJob.status == "done"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=2, help="processes sharing the fan-out (EBOK_PUSH_SENDERS)")
    parser.add_argument("--in-flight", type=int, default=100, help="requests open per sender (EBOK_PUSH_IN_FLIGHT)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ebok-bench-push-"))
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        sys.path.insert(0, str(ROOT))
        os.environ["EBOK_TEST_POSTGRES"] = base
        from tests.support import database_url_for

        os.environ["DATABASE_URL"] = database_url_for("bench_push")
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["EBOK_DATA_DIR"] = str(tmp)
    os.environ["PICCOLO_CONF"] = "backend.piccolo_conf"
    os.environ["EBOK_PUSH_SENDERS"] = str(args.senders)
    os.environ["EBOK_PUSH_IN_FLIGHT"] = str(args.in_flight)
    os.environ["EBOK_PUSH_TEST_HOSTS"] = "127.0.0.1"  # the local push service; never set in production

    parent, child = multiprocessing.Pipe()
    stub = multiprocessing.get_context("spawn").Process(target=_stub, args=(args.devices, child), daemon=True)
    stub.start()
    origin, devices = parent.recv()

    floor = crypto_floor(2000)
    result = asyncio.run(run(args, devices))
    parent.send("stop")
    stub_report = parent.recv()
    stub.join(10)

    n, total = result["sent"], result["total"]
    per_message = total / max(n, 1)
    database = "PostgreSQL" if os.environ["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(f"push fan-out: {args.devices} devices, {database}, {os.cpu_count()} cores, {args.senders} sender processes "
          f"({result['helpers']} helper jobs ran), {args.in_flight} in flight each, "
          f"local push service at {origin} (HTTP/1.1, own process)")
    print(f"  sent (201)            {n} of {args.devices}; push service received {stub_report['received']}, "
          f"checked every JWT, decrypted {stub_report['decrypted']} bodies, errors {stub_report['errors']}")
    print(f"  total                 {total:.2f} s  (job queued -> publication finished: targeting, delivery rows, "
          "sending, recording)")
    print(f"  throughput            {n / total:,.0f} messages/s")
    grew = (result["rss_after"] - result["rss_before"]) / 1024
    print(f"  peak memory (RSS)     {result['rss_after'] / 1024:.0f} MB (+{grew:.0f} MB during the fan-out)")
    cpu = result["cpu"] + result["workers_cpu"]
    print(f"  per message           {per_message * 1e6:,.0f} µs wall, {cpu / max(n, 1) * 1e6:,.0f} µs sender CPU "
          f"(all sender processes; this one {result['cpu']:.2f} s, the `ebok worker`s {result['workers_cpu']:.2f} s)")
    print(f"  push service CPU      {stub_report['cpu']:.2f} s in its own process (JWT checks, HTTP parsing)")
    print(f"  webpush encryption    {result['webpush_encrypt'] * 1e6:,.0f} µs  (payload {result['payload_bytes']} B)")
    print(f"  crypto floor          {floor * 1e6:,.0f} µs  (ephemeral key + ECDH + HKDF + AES-GCM)")
    print(f"  overhead vs floor     {per_message / floor:.1f}x")
    print(f"  target <= 10 s        {'met' if total <= 10 and n == args.devices else 'NOT met'}")


if __name__ == "__main__":
    main()
