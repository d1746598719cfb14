"""Benchmark: requests/s of the JSON the app loads on start, against a bare Litestar hello-world
served the same way, in the same run (issue 19.1).

    uv run python tests/perf/bench_request_cost.py                       # SQLite, then PostgreSQL
    uv run python tests/perf/bench_request_cost.py --databases sqlite --rounds 1 --duration 5

One server process each (uvicorn with `ebok serve`'s settings: its log config and access log,
no server header), wrk on 127.0.0.1 (`/usr/bin/wrk`, 2 threads, 32 connections, gzip accepted),
one endpoint at a time for `--duration` seconds after a short warm-up. The resident is the demo's
Anna Nowak (two customers, 24 months of readings) with a session made beforehand through the
accounts service. Both servers stay up (the idle one costs nothing) while `--rounds` rounds run: the
floor, then every endpoint; each ratio is to the floor of its own round, and the median of the
rounds is printed (the machine's other work moves a single 5 s run by up to a third). Prints
requests/s, wrk's p50/p99 latency and the ratio to the floor of that median round, then every
round's ratio; target >= 0.2x.
The load generator shares the 2 cores with the server, for the floor as for e-BOK. Also printed:
the server process's CPU milliseconds per request (/proc, during the measured run), which other
work on the machine changes much less than it changes requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf.serving import ROOT, fresh_database
from tests.support import free_port

ENDPOINTS = ["/api/dashboard", "/api/meters", "/api/settlements", "/api/outages", "/api/me"]
WRK = "/usr/bin/wrk"

HELLO = '''
from litestar import Litestar, get

@get("/")
async def hello() -> dict[str, str]:
    return {"hello": "world"}

app = Litestar(route_handlers=[hello])
'''

# `ebok serve`'s uvicorn settings (backend/cli.py _serve), for any app
SERVE = '''
import sys, uvicorn
from backend.core import logs
from backend.settings import Settings
target, factory, port = sys.argv[1], sys.argv[2] == "factory", int(sys.argv[3])
uvicorn.run(target, factory=factory, host="127.0.0.1", port=port, workers=1, log_level="info",
            server_header=False, timeout_graceful_shutdown=10,
            log_config=logs.logging_config(Settings.from_env().log_format))
'''

PREPARE = '''
import asyncio
from backend.core import db
from backend.demo.load import load_demo
from backend.demo.data import DEMO_EMAIL
from backend.accounts import services
from backend.accounts.tables import User
from backend.settings import Settings

async def main():
    await db.start()
    await db.migrate()
    await load_demo({customers})
    # a settled database, as a running utility's is: the planner's statistics of the tables just
    # filled, and (PostgreSQL) no autovacuum working through them while the rounds are measured
    await db.engine().run_ddl("VACUUM ANALYZE" if db.is_postgres() else "ANALYZE")
    user = await User.select(User.id).where(User.email == DEMO_EMAIL).first()
    cookie = await services.start_session(Settings.from_env(), user["id"], True, "bench")
    print(cookie, services.login_mark(cookie))
    await db.stop()
asyncio.run(main())
'''


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc), the server's cost whatever the load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, duration: float, *extra: str, server: int = 0) -> dict[str, float]:
    headers = ["-H", "Accept-Encoding: gzip"] + [arg for header in extra for arg in ("-H", header)]
    subprocess.run([WRK, "-t2", "-c32", "-d1s", *headers, url], capture_output=True, check=True)  # warm-up
    cpu = cpu_seconds(server) if server else 0.0
    out = subprocess.run([WRK, "-t2", "-c32", f"-d{duration:g}s", "--latency", *headers, url],
                         capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(server) - cpu if server else 0.0
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)

    def ms(label: str) -> float:
        found = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
        if not found:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50": ms("50"), "p99": ms("99"), "errors": float(errors.group(1)) if errors else 0.0,
            "socket_errors": 1.0 if socket_errors else 0.0, "cpu_ms": cpu / max(1, total) * 1000}


def start(env: dict[str, str], target: str, factory: bool, port: int, cwd: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([sys.executable, "-c", SERVE, target, "factory" if factory else "app", str(port)],
                              env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"{target} did not start")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()


def measure(database: str, args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ebok-bench-cost-"))
    (tmp / "hello.py").write_text(HELLO)
    env = {**os.environ, "PICCOLO_CONF": "backend.piccolo_conf", "EBOK_DATA_DIR": str(tmp),
           "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp}"}
    asyncio.run(fresh_database(env, "ebok_bench_cost", database == "postgres"))
    print(f"{database}: loading the demo ({args.customers} customers)…", file=sys.stderr, flush=True)
    made = subprocess.run([sys.executable, "-c", PREPARE.format(customers=args.customers)], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout.split()
    cookie = f"ebok_session={made[-2]}; ebok_login={made[-1]}"
    hello_port, port = free_port(), free_port()
    hello = start(env, "hello:app", False, hello_port, tmp)
    try:
        ebok = start(env, "backend.app:create_app", True, port, ROOT)
    except BaseException:
        stop(hello)
        raise
    floors: list[dict[str, float]] = []
    results: dict[str, list[dict[str, float]]] = {}
    try:
        for path in ENDPOINTS:
            r = httpx.get(f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookie})
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
            if "csrftoken" in r.cookies and "csrftoken=" not in cookie and not args.no_csrf_cookie:
                # the PWA's requests carry the CSRF cookie the first answer set (without it every GET
                # makes and sets a new token: a cost no returning resident's request has)
                cookie += f"; csrftoken={r.cookies['csrftoken']}"
        etags = {path: httpx.get(f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookie}).headers.get("etag")
                 for path in ENDPOINTS} if args.etag else {}
        # rounds of the floor and then every endpoint: each ratio compares runs of the same minute, and
        # the median of the rounds is what other work on the machine moves least
        for n in range(args.rounds):
            print(f"{database}: round {n + 1} of {args.rounds}: the floor (hello-world), then the endpoints…",
                  file=sys.stderr, flush=True)
            floor = wrk(f"http://127.0.0.1:{hello_port}/", args.duration, server=hello.pid)
            floors.append(floor)
            for path in ENDPOINTS:
                r = wrk(f"http://127.0.0.1:{port}{path}", args.duration, f"Cookie: {cookie}", server=ebok.pid)
                results.setdefault(path, []).append({**r, "ratio": r["rps"] / floor["rps"]})
                if etags.get(path):
                    r = wrk(f"http://127.0.0.1:{port}{path}", args.duration, f"Cookie: {cookie}",
                            f"If-None-Match: {etags[path]}", server=ebok.pid)
                    results.setdefault(path + " (304)", []).append({**r, "ratio": r["rps"] / floor["rps"]})
    finally:
        stop(ebok)
        stop(hello)
    name = "PostgreSQL" if database == "postgres" else "SQLite"
    print(f"\n{name}: 1 uvicorn process each, wrk -t2 -c32 -d{args.duration:g}s, {args.rounds} rounds, "
          f"load average {os.getloadavg()[0]:.1f}; each line the round of the median ratio, then every round's")
    floor = sorted(floors, key=lambda f: f["rps"])[len(floors) // 2]
    print(f"  {'bare Litestar hello-world':32} {floor['rps']:8.0f} req/s  p50 {floor['p50']:6.2f} ms  "
          f"p99 {floor['p99']:6.2f} ms  server CPU {floor['cpu_ms']:5.2f} ms/request  "
          f"(rounds: {' '.join(format(f['rps'], '.0f') for f in floors)} req/s)")
    for path, runs in results.items():
        r = sorted(runs, key=lambda x: x["ratio"])[len(runs) // 2]
        errors = sum(x["errors"] for x in runs)
        flag = "" if not errors else f"  NON-2xx/3xx: {errors:.0f}"
        print(f"  {path:32} {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
              f"server CPU {r['cpu_ms']:5.2f} ms/request  {r['ratio']:5.3f}x{'' if r['ratio'] >= 0.2 else ' (below 0.2x)'}"
              f"  (rounds: {' '.join(format(x['ratio'], '.3f') for x in runs)}){flag}")


def main(args: argparse.Namespace) -> None:
    for database in args.databases.split(","):
        measure(database.strip(), args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of wrk per endpoint (after 1 s warm-up)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the floor and every endpoint; the median counts")
    parser.add_argument("--customers", type=int, default=300, help="demo customers (the demo's default)")
    parser.add_argument("--etag", action="store_true", help="also measure each endpoint answering 304")
    parser.add_argument("--no-csrf-cookie", action="store_true",
                        help="send no CSRF cookie: a browser session's first request (each answer makes a token)")
    main(parser.parse_args())
