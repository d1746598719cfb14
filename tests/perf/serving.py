"""What the benchmarks that drive a real `ebok serve` share: a fresh database for the run and a
server process that answers /api/health before the measuring starts."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


async def fresh_database(env: dict[str, str], name: str, postgres: bool) -> None:
    """Point `env` at an empty PostgreSQL database `name`, or at the SQLite file in EBOK_DATA_DIR."""
    if not postgres:
        env.pop("DATABASE_URL", None)
        return
    import asyncpg

    conn = await asyncpg.connect(f"{POSTGRES}/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    env["DATABASE_URL"] = f"{POSTGRES}/{name}"


async def start_server(env: dict[str, str], port: int, tries: int = 300) -> subprocess.Popen[bytes]:
    """`ebok serve` on the port, returned once it answers (or after `tries` × 0.1 s)."""
    server = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(tries):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                break
        except httpx.HTTPError:
            await asyncio.sleep(0.1)
    return server
