"""Benchmark: is the server responsive while people log in? `/api/health` latency against a real
`ebok serve` process with the real Argon2id parameters, idle and during concurrent logins.

    uv run python tests/perf/bench_logins.py [--residents 200] [--concurrency 8] [--postgres]

Phases: (1) idle, (2) 8 logins at a time, over and over, (3) 200 residents logging in at once (each
its own client, as a block of flats after an outage alert). A poller asks /api/health every
50 ms the whole time and its latencies are printed per phase. Argon2 hashing costs CPU by design;
what must not happen is that it holds the event loop, so everything else waits behind it.
The load generator runs on the same cores as the server, so the figures are pessimistic.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.perf.bench_submissions import free_port
from tests.perf.serving import fresh_database, start_server

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Benchmark-Haslo-2026"


def prepare(env: dict[str, str], residents: int) -> str:
    """`residents` active accounts with one real Argon2id hash (hashing each would take minutes)."""
    code = f"""
import asyncio, inspect, uuid
from backend.core import db
from backend.accounts import passwords
from backend.accounts.tables import User

async def main():
    await db.start()
    await db.migrate()
    h = passwords.hash_password("{PASSWORD}")
    if inspect.isawaitable(h):  # sync before the hashing left the event loop: the benchmark compares both
        h = await h
    rows = [User(id=uuid.uuid4(), email=f"login{{i}}@example.com", name="Bench", role="resident",
                 password_hash=h, active=True) for i in range({residents})]
    for start in range(0, len(rows), 500):
        await User.insert(*rows[start:start + 500])
    print(h.split("$")[3])
    await db.stop()
asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


async def log_in(base: str, login: str) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        await c.get("/api/config")
        started = time.perf_counter()
        r = await c.post("/api/session", json={"login": login, "password": PASSWORD},
                         headers={"X-CSRFToken": c.cookies["csrftoken"]})
        r.raise_for_status()
        return time.perf_counter() - started


class Poller:
    def __init__(self, base: str) -> None:
        self.base, self.samples, self.phase = base, {}, "idle"

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as c:
            while not stop.is_set():
                started = time.perf_counter()
                (await c.get("/api/health")).raise_for_status()
                self.samples.setdefault(self.phase, []).append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(0.05)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ebok-bench-logins-"))
    env = {**os.environ, "PICCOLO_CONF": "backend.piccolo_conf", "EBOK_DATA_DIR": str(tmp),
           "EBOK_RUN_WORKER": "0"}
    env.pop("EBOK_ARGON2_PROFILE", None)  # the real parameters
    await fresh_database(env, "ebok_bench_logins", args.postgres)
    params = prepare(env, args.residents)
    port = free_port()
    server = await start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    poller, stop = Poller(base), asyncio.Event()
    logins: dict[str, list[float]] = {}
    walls: dict[str, float] = {}
    try:
        task = asyncio.create_task(poller.run(stop))
        await asyncio.sleep(3)

        phase = f"{args.concurrency} concurrent logins"
        poller.phase = phase
        started = time.perf_counter()
        for round_ in range(3):
            batch = [f"login{round_ * args.concurrency + i}@example.com" for i in range(args.concurrency)]
            logins.setdefault(phase, []).extend(await asyncio.gather(*(log_in(base, b) for b in batch)))
        walls[phase] = time.perf_counter() - started

        phase = f"{args.residents} residents at once"
        poller.phase = phase
        started = time.perf_counter()
        logins[phase] = await asyncio.gather(*(log_in(base, f"login{i}@example.com") for i in range(args.residents)))
        walls[phase] = time.perf_counter() - started
        poller.phase = "idle after"
        await asyncio.sleep(2)
        stop.set()
        await task
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:  # the figures are taken; a slow shutdown is not this benchmark's
            server.kill()
            server.wait()
    print(f"logins: {'PostgreSQL' if args.postgres else 'SQLite'}, one server process, {os.cpu_count()} cores, "
          f"Argon2id {params}")
    for phase, values in poller.samples.items():
        line = (f"  /api/health {phase:<28} n={len(values):<4} p50 {percentile(values, 50):6.1f} ms  "
                f"p99 {percentile(values, 99):6.1f} ms  max {max(values):6.1f} ms")
        if phase in logins:
            line += (f"   | {len(logins[phase])} logins in {walls[phase]:.1f} s, each p50 "
                     f"{statistics.median(logins[phase]):.2f} s, max {max(logins[phase]):.2f} s")
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    asyncio.run(run(parser.parse_args()))
