"""In-process cost of the app's start screens for a logged-in resident, and where it goes.

    uv run python tests/perf/profile_start_screens.py                      # ms per request, wall and CPU
    uv run python tests/perf/profile_start_screens.py --profile /api/meters  # ... plus a pyinstrument profile
    uv run python tests/perf/profile_start_screens.py --profile /api/me --all  # ... with the library frames

The app is called straight as an ASGI callable (a GET with the resident's cookies and gzip accepted,
the whole middleware stack; no client, no server, no network: what the server process spends in
Python beyond uvicorn's own HTTP handling) and, for comparison, through httpx's ASGI transport; a
bare Litestar hello-world is called the same direct way as the floor. On a fresh SQLite file (or
DATABASE_URL) holding 20 demo customers; the resident is the demo's Anna Nowak (two customers, 24
months of readings), as in bench_request_cost.py, with a session made by the accounts service. CPU
time counts every thread of the process (aiosqlite's too).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("EBOK_DATA_DIR", tempfile.mkdtemp(prefix="ebok-prof-"))
os.environ["PICCOLO_CONF"] = "backend.piccolo_conf"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

PATHS = ["/api/health", "/api/dashboard", "/api/meters", "/api/settlements", "/api/outages", "/api/me"]


def hello_world() -> Any:
    from litestar import Litestar, get

    @get("/")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    return Litestar(route_handlers=[hello])


async def direct(app: Any, path: str, cookie: bytes, n: int) -> float:
    """CPU seconds (every thread) per GET of `path`, the app called as uvicorn would call it."""
    headers = [(b"host", b"127.0.0.1"), (b"accept-encoding", b"gzip"), (b"user-agent", b"bench")]
    if cookie:
        headers.append((b"cookie", cookie))

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    cpu = time.process_time()
    for _ in range(n):
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "root_path": "", "headers": list(headers), "client": ("127.0.0.1", 50000),
                 "server": ("127.0.0.1", 8000), "state": {}}
        await app(scope, receive, send)
    spent = (time.process_time() - cpu) / n
    assert set(statuses) == {200}, (path, set(statuses))
    return spent


async def main(args: argparse.Namespace) -> None:
    import httpx

    from backend.accounts import services
    from backend.accounts.tables import User
    from backend.app import create_app
    from backend.core import db
    from backend.demo.data import DEMO_EMAIL
    from backend.demo.load import load_demo
    from backend.settings import Settings

    await db.start()
    await db.migrate()
    await load_demo(20)
    settings = Settings.from_env()
    # the demo's Anna Nowak (two customers, a garden sub-meter, 24 months), as in bench_request_cost.py
    user = await User.select(User.id).where(User.email == DEMO_EMAIL).first()
    cookie = await services.start_session(settings, user["id"], False)
    app = create_app(settings, manage_resources=False)
    cookies = {"ebok_session": cookie, "ebok_login": services.login_mark(cookie)}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", cookies=cookies) as c:
        for path in PATHS:
            r = await c.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
        cookie_header = f"ebok_session={cookie}; ebok_login={cookies['ebok_login']}".encode()
        print(f"direct ASGI call, {args.n} requests each (load average {os.getloadavg()[0]:.1f}):")
        floor = await direct(hello_world(), "/", b"", args.n)
        print(f"  {'hello-world':18} {floor * 1000:6.3f} ms CPU")
        for path in PATHS:
            cpu = await direct(app, path, cookie_header, args.n)
            print(f"  {path:18} {cpu * 1000:6.3f} ms CPU  ({cpu / floor:4.1f}x the hello-world)")
        print("through httpx's ASGI transport (the client's own cost included):")
        for path in PATHS:
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(args.n):
                await c.get(path)
            print(f"  {path:18} {(time.perf_counter() - wall) / args.n * 1000:6.2f} ms wall "
                  f"{(time.process_time() - cpu) / args.n * 1000:6.2f} ms CPU")
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002, async_mode="enabled")
            profiler.start()
            for _ in range(args.n):
                await direct(app, args.profile, cookie_header, 1)
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=args.all))
    await db.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300, help="requests per endpoint")
    parser.add_argument("--profile", default="", help="an endpoint to profile with pyinstrument")
    parser.add_argument("--all", action="store_true", help="the profile with the library frames pyinstrument hides")
    asyncio.run(main(parser.parse_args()))
