"""In-process cost of the app's start screens for a logged-in resident, and where it goes.

    uv run python tests/perf/profile_start_screens.py                      # ms per request, wall and CPU
    uv run python tests/perf/profile_start_screens.py --profile /api/meters  # ... plus a pyinstrument profile

The app is called through httpx's ASGI transport on one event loop (no server, no network), with
the whole middleware stack, on a fresh SQLite file (or DATABASE_URL) holding 20 demo customers;
the resident is a demo customer's account with a session made by the accounts service. CPU time
counts every thread of the process (aiosqlite's too). /api/health is the floor of this harness.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("EBOK_DATA_DIR", tempfile.mkdtemp(prefix="ebok-prof-"))
os.environ["PICCOLO_CONF"] = "backend.piccolo_conf"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

PATHS = ["/api/health", "/api/dashboard", "/api/meters", "/api/settlements", "/api/outages", "/api/me"]


async def main(args: argparse.Namespace) -> None:
    import httpx

    from backend.accounts import services
    from backend.app import create_app
    from backend.core import db
    from backend.customers.tables import Customer
    from backend.demo.load import load_demo
    from backend.settings import Settings

    await db.start()
    await db.migrate()
    await load_demo(20)
    settings = Settings.from_env()
    customer = (await Customer.select(Customer.id).order_by(Customer.number).offset(1).limit(1))[0]
    user_id = await services.create_user(settings, "profile@example.com", "Profil", "resident",
                                         customer_id=str(customer["id"]), password="Benchmark-Haslo-2026")
    cookie = await services.start_session(settings, user_id, False)
    app = create_app(settings, manage_resources=False)
    cookies = {"ebok_session": cookie, "ebok_login": services.login_mark(cookie)}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", cookies=cookies) as c:
        for path in PATHS:
            r = await c.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
        for path in PATHS:
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(args.n):
                await c.get(path)
            print(f"{path:18} {(time.perf_counter() - wall) / args.n * 1000:6.2f} ms wall "
                  f"{(time.process_time() - cpu) / args.n * 1000:6.2f} ms CPU")
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002, async_mode="enabled")
            profiler.start()
            for _ in range(args.n):
                await c.get(args.profile)
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False))
    await db.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300, help="requests per endpoint")
    parser.add_argument("--profile", default="", help="an endpoint to profile with pyinstrument")
    asyncio.run(main(parser.parse_args()))
