"""Benchmark: a billing system walks 10,000 readings of the integration feed page by page
through a real `ebok serve` (issue 14; target <= 5 s).

    uv run python tests/perf/bench_integration_feed.py                 # SQLite file
    uv run python tests/perf/bench_integration_feed.py --postgres      # PostgreSQL on 127.0.0.1

The demo loader fills the database (its readings enter the feed through the same triggers as a
resident's); a token is made with what `ebok token create` calls; then one client fetches
`GET /api/integration/readings?limit=N` with the cursor of each page until it holds 10,000
entries, each checked to come once. The client runs on the same cores as the server.
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

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.perf.bench_submissions import free_port
from tests.perf.serving import fresh_database, start_server

ROOT = Path(__file__).resolve().parents[2]
TARGET = 10_000


def prepare(env: dict[str, str], customers: int) -> str:
    code = f"""
import asyncio
from backend.core import db
from backend.demo.load import load_demo
from backend.integration import services

async def main():
    await db.start()
    await db.migrate()
    await load_demo({customers})
    print(await services.create_token("bench", ["readings:read"]))
    await db.stop()
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ebok-bench-"))
    env = {**os.environ, "PICCOLO_CONF": "backend.piccolo_conf", "EBOK_DATA_DIR": str(tmp)}
    await fresh_database(env, "ebok_bench_feed", args.postgres)
    token = prepare(env, args.customers)
    port = free_port()
    server = await start_server(env, port, tries=600)
    base = f"http://127.0.0.1:{port}"
    try:
        seen: set[str] = set()
        pages, cursor = 0, None
        async with httpx.AsyncClient(base_url=base, timeout=60,
                                     headers={"Authorization": f"Bearer {token}"}) as c:
            started = time.perf_counter()
            while len(seen) < TARGET:
                params = {"limit": args.limit, **({"cursor": cursor} if cursor else {})}
                r = await c.get("/api/integration/readings", params=params)
                r.raise_for_status()
                page = r.json()
                if not page["readings"]:
                    break
                for e in page["readings"]:
                    key = f"{e['reading_id']}:{e['seq']}"
                    assert key not in seen, f"{key} twice"
                    seen.add(key)
                cursor, pages = page["next_cursor"], pages + 1
            wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"database: {db}; demo customers: {args.customers}; page size: {args.limit}")
    print(f"{len(seen)} feed entries in {pages} pages in {wall:.2f} s ({len(seen) / wall:.0f} entries/s)")
    print(("PASS" if len(seen) >= TARGET and wall <= 5 else "FAIL") + f": target {TARGET} entries in <= 5 s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--customers", type=int, default=500, help="demo customers (about 30 readings each)")
    parser.add_argument("--limit", type=int, default=1000, help="page size")
    asyncio.run(run(parser.parse_args()))
