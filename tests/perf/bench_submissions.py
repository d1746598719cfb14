"""Benchmark: 50 residents posting readings with a 1600 px photo against a real `ebok serve`.

    uv run python tests/perf/bench_submissions.py                 # SQLite file
    uv run python tests/perf/bench_submissions.py --postgres      # PostgreSQL on 127.0.0.1

Each resident logs in once, then sends readings one after another with a think time between
them (people do not press "send" in a tight loop), each with a photo of its own (a repeated photo
would be stored once); the server does the whole job per request: session, CSRF, idempotency
key, Pillow pipeline in a worker thread, photo files written and fsynced, plausibility, insert.
The load generator runs on the same 2 cores as the server, so the figures are pessimistic.
Prints throughput and p50/p90/p99 latency; target p99 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Benchmark-Haslo-2026"


def photo_1600() -> bytes:
    return photos_1600(1)[0]


def photos_1600(n: int) -> list[bytes]:
    """n different 1600x1200 JPEGs (~450 KB): every reading brings a new photo to store."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(7)
    base = Image.effect_noise((1600, 1200), 40).convert("RGB").filter(ImageFilter.GaussianBlur(1))
    draw = ImageDraw.Draw(base)
    for _ in range(60):
        x, y = rnd.randrange(1600), rnd.randrange(1200)
        draw.ellipse((x, y, x + rnd.randrange(20, 200), y + rnd.randrange(20, 200)),
                     outline=(rnd.randrange(255), rnd.randrange(255), rnd.randrange(255)), width=6)
    out = []
    for i in range(n):
        img = base.copy()
        ImageDraw.Draw(img).text((20 + i % 1400, 20 + i // 1400 * 20), f"{i:06d}", fill=(255, 255, 255))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        out.append(buf.getvalue())
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(env: dict[str, str], residents: int) -> None:
    """Demo data plus one resident account per customer, made before the server starts."""
    code = f"""
import asyncio
from backend.core import db
from backend.demo.load import load_demo
from backend.accounts import services
from backend.customers.tables import Customer
from backend.settings import Settings

async def main():
    await db.start()
    await db.migrate()
    await load_demo({residents + 5})
    s = Settings.from_env()
    rows = await Customer.select(Customer.id, Customer.number).order_by(Customer.number).offset(1).limit({residents})
    for r in rows:
        await services.create_user(s, f"bench{{r['number']}}@example.com", "Bench", "resident",
                                   customer_id=str(r["id"]), password="{PASSWORD}")
    await db.stop()
asyncio.run(main())
"""
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True)


async def resident(base: str, login: str, photos: list[bytes], count: int, think: float, latencies: list[float],
                   errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        await c.get("/api/config")
        csrf = c.cookies["csrftoken"]
        r = await c.post("/api/session", json={"login": login, "password": PASSWORD}, headers={"X-CSRFToken": csrf})
        r.raise_for_status()
        meters = (await c.get("/api/meters")).json()["meters"]
        meter = meters[0]
        value = (meter["last_reading"] or {"value_litres": 0})["value_litres"]
        await asyncio.sleep(random.random() * think)
        for photo in photos[:count]:
            value += 5
            data = {"meter_id": meter["id"], "value": f"{value / 1000:.3f}".replace(".", ","),
                    "captured_at": datetime.now(UTC).isoformat()}
            started = time.perf_counter()
            r = await c.post("/api/readings", data=data, files={"photo": ("w.jpg", photo, "image/jpeg")},
                             headers={"X-CSRFToken": csrf, "Idempotency-Key": str(uuid.uuid4())})
            latencies.append((time.perf_counter() - started) * 1000)
            if r.status_code != 201:
                errors.append(f"{r.status_code} {r.text[:100]}")
            await asyncio.sleep(think * (0.5 + random.random()))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ebok-bench-"))
    env = {**os.environ, "PICCOLO_CONF": "backend.piccolo_conf", "EBOK_DATA_DIR": str(tmp)}
    if args.postgres:
        import asyncpg

        conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        await conn.execute("DROP DATABASE IF EXISTS ebok_bench WITH (FORCE)")
        await conn.execute("CREATE DATABASE ebok_bench")
        await conn.close()
        env["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:5432/ebok_bench"
    else:
        env.pop("DATABASE_URL", None)
    prepare(env, args.residents)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve", "--port", str(port),
                               "--workers", str(args.workers)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/api/health").status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
        photos = photos_1600(args.residents * args.per_resident)
        logins = [f"bench{100002 + i}@example.com" for i in range(args.residents)]
        latencies: list[float] = []
        errors: list[str] = []
        started = time.perf_counter()
        await asyncio.gather(*(resident(base, login, photos[i * args.per_resident:], args.per_resident, args.think,
                                        latencies, errors) for i, login in enumerate(logins)))
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"database: {db}; server processes: {args.workers}; residents: {args.residents}; "
          f"readings each: {args.per_resident}; "
          f"think time: {args.think}s; photos: {len(photos)} different 1600x1200 JPEGs of "
          f"~{statistics.mean(map(len, photos)) // 1024:.0f} KB")
    print(f"requests: {len(latencies)} in {wall:.1f} s = {len(latencies) / wall:.1f} readings/s; errors: {len(errors)}")
    print(f"latency ms: p50 {percentile(latencies, 50):.1f}  p90 {percentile(latencies, 90):.1f}  "
          f"p99 {percentile(latencies, 99):.1f}  max {max(latencies):.1f}  mean {statistics.mean(latencies):.1f}")
    print(("PASS" if percentile(latencies, 99) <= 100 else "FAIL") + ": target p99 <= 100 ms")
    if errors:
        print("first errors:", errors[:3])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--per-resident", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="`ebok serve --workers`")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between one resident's readings (mean)")
    asyncio.run(run(parser.parse_args()))
