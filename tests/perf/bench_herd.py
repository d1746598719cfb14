"""Benchmark: the herd after an outage alert (issue 19.3). N residents, each with a session made
beforehand, open the app within a minute; the shell comes from the service worker, so what reaches
the server is each one's `/api/me`, `/api/dashboard` and `/api/outages` (sent together, as the app
does on start). Against `ebok serve --workers 2`; target p99 <= 300 ms and 0 errors per endpoint.

    uv run python tests/perf/bench_herd.py                                    # 10,000 residents, SQLite then PostgreSQL
    uv run python tests/perf/bench_herd.py --residents 2000 --databases sqlite  # a quick run

Per database: a fresh database with `ebok demo`'s data for --customers customers (the demo loader,
bulk), the residents' accounts inserted in bulk and linked round-robin to the demo's customers
(several residents a customer when there are more residents than customers), one session each
through accounts.services.start_sessions (the same rows a login writes) last used an hour ago (the
phones were idle before the alert: every first request renews its session, as it would), then
`ebok serve --workers 2` on a free port. The load generator is its own process (a lean asyncio HTTP/1.1
client, keep-alive, --connections connections, every resident's own cookies): resident i arrives
at i × duration / N seconds, evenly spread; a request's latency counts from the moment its resident
arrived, so time spent waiting for a free connection counts too (no coordinated omission). Prints
p50/p95/p99/max and errors (any answer but 200, or no answer within 30 s) per endpoint, the server
processes' CPU seconds per resident, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf.serving import ROOT, fresh_database
from tests.support import free_port

PATHS = ["/api/me", "/api/dashboard", "/api/outages"]

PREPARE = '''
import asyncio, sys, uuid
from datetime import timedelta
from backend.core import db
from backend.core.bulk import insert
from backend.core.clock import now
from backend.demo.load import load_demo
from backend.accounts import services
from backend.accounts.tables import Session, User, UserCustomer
from backend.customers.tables import Customer
from backend.settings import Settings

async def main(customers, residents, out):
    await db.start()
    await db.migrate()
    await load_demo(customers)
    ids = [r["id"] for r in await Customer.select(Customer.id).order_by(Customer.number)]
    users = [uuid.uuid4() for _ in range(residents)]
    t = now()
    async with db.transaction() as tx:
        await insert(tx, User, ("id", "email", "name", "role", "password_hash", "language", "active", "created_at"),
                     [(u, f"herd{i}@example.com", f"Mieszkaniec {i}", "resident", "", "pl", True, t)
                      for i, u in enumerate(users)])
        await insert(tx, UserCustomer, ("id", "user", "customer"),
                     [(uuid.uuid4(), u, ids[i % len(ids)]) for i, u in enumerate(users)])
    cookies = await services.start_sessions(Settings.from_env(), users, True, "bench-herd")
    # idle for an hour before the alert: the first request of each renews the session (a write)
    await Session.update({Session.last_seen_at: t - timedelta(hours=1)}).where(Session.user_agent == "bench-herd")
    with open(out, "w") as f:
        for c in cookies:
            f.write(f"ebok_session={c}; ebok_login={services.login_mark(c)}\\n")
    await db.stop()
asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
'''


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def generate(args: argparse.Namespace, cookies: list[str]) -> None:
    """The load generator's process: prints one JSON object with every latency and error.

    A minimal HTTP/1.1 client on asyncio streams (keep-alive, Content-Length bodies as uvicorn sends
    them): a few tens of microseconds a request, so the generator sharing the cores with the server
    takes little from it (httpx's pool spent several times the server's CPU at a few thousand
    waiting requests). --connections connections take the requests in arrival order."""
    latencies: dict[str, list[float]] = {p: [] for p in PATHS}
    errors: dict[str, dict[str, int]] = {p: {} for p in PATHS}
    spread = args.duration / max(1, len(cookies))
    queue: asyncio.Queue[tuple[str, str, float] | None] = asyncio.Queue()

    def failed(path: str, key: str) -> None:
        errors[path][key] = errors[path].get(key, 0) + 1

    async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, cookie: str) -> int:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n"
                     f"User-Agent: bench-herd\r\nCookie: {cookie}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
            elif name.strip().lower() == "transfer-encoding":
                raise ValueError("chunked answer")  # not what these endpoints send
        if length:
            await reader.readexactly(length)
        return status

    async def connection() -> None:
        reader = writer = None
        while (item := await queue.get()) is not None:
            path, cookie, arrived = item
            for attempt in (1, 2):  # a keep-alive connection the server closed: once more on a new one
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
                    assert reader is not None
                    status = await asyncio.wait_for(exchange(reader, writer, path, cookie), 30)
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    if attempt == 2:
                        failed(path, type(exc).__name__)
                    continue
                except TimeoutError:
                    writer.close()  # type: ignore[union-attr]
                    reader = writer = None
                    failed(path, "timeout")
                    break
                if status == 200:
                    latencies[path].append(time.perf_counter() - arrived)
                else:
                    failed(path, str(status))
                break
        if writer is not None:
            writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(args.connections)]
    start = time.perf_counter() + 0.5
    for i, cookie in enumerate(cookies):
        arrival = start + i * spread
        await asyncio.sleep(max(0.0, arrival - time.perf_counter()))
        for path in PATHS:  # the app asks for the three together
            queue.put_nowait((path, cookie, arrival))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    print(json.dumps({"latencies": latencies, "errors": errors, "took": time.perf_counter() - start}))


def server_cpu(pid: int) -> float:
    """CPU seconds of the process and its living children (the uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def run(database: str, args: argparse.Namespace) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix="ebok-bench-herd-"))
    env = {**os.environ, "PICCOLO_CONF": "backend.piccolo_conf", "EBOK_DATA_DIR": str(tmp), "PYTHONPATH": str(ROOT)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    asyncio.run(fresh_database(env, "ebok_bench_herd", database == "postgres"))
    name = "PostgreSQL" if database == "postgres" else "SQLite"
    print(f"{name}: demo with {args.customers} customers, {args.residents} residents with sessions…",
          file=sys.stderr, flush=True)
    t = time.perf_counter()
    cookies = tmp / "cookies.txt"
    subprocess.run([sys.executable, "-c", PREPARE, str(args.customers), str(args.residents), str(cookies)],
                   env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    prepared = time.perf_counter() - t
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve", "--port", str(port), "--workers", "2"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import httpx

        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("ebok serve did not start")
        time.sleep(2)  # both workers up
        print(f"{name}: prepared in {prepared:.0f} s; {args.residents} residents over {args.duration:g} s…",
              file=sys.stderr, flush=True)
        cpu = server_cpu(server.pid)
        load_before = os.getloadavg()[0]
        out = subprocess.run([sys.executable, __file__, "--generate", str(cookies), "--port", str(port),
                              "--residents", str(args.residents), "--duration", str(args.duration),
                              "--connections", str(args.connections)],
                             env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
        cpu = server_cpu(server.pid) - cpu
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    result = json.loads(out)
    ok = True
    print(f"\n{name}: {args.residents} residents within {args.duration:g} s ({result['took']:.1f} s to the last "
          f"answer), ebok serve --workers 2, {args.connections} connections at most, {args.customers} demo customers; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    for path in PATHS:
        values = [v * 1000 for v in result["latencies"][path]]
        errors = result["errors"][path]
        p99 = percentile(values, 99)
        good = not errors and p99 <= 300
        ok &= good
        print(f"  {path:16} {len(values):6d} ok  errors {sum(errors.values()):4d}{' ' + str(errors) if errors else ''}  "
              f"p50 {percentile(values, 50):7.1f} ms  p95 {percentile(values, 95):7.1f} ms  p99 {p99:7.1f} ms  "
              f"max {max(values, default=float('nan')):7.1f} ms  "
              f"{'ok' if good else 'TARGET MISSED (p99 <= 300 ms, 0 errors)'}")
    print(f"  server CPU {cpu:.1f} s = {cpu / args.residents * 1000:.2f} ms per resident (3 requests)")
    return ok


def main(args: argparse.Namespace) -> None:
    if args.generate:
        asyncio.run(generate(args, [c for c in Path(args.generate).read_text().split("\n") if c][: args.residents]))
        return
    ok = True
    for database in args.databases.split(","):
        ok &= run(database.strip(), args)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=2_000, help="demo customers the residents are spread over")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds over which the residents arrive")
    parser.add_argument("--connections", type=int, default=200, help="the load generator's connections at most")
    parser.add_argument("--generate", default="", help=argparse.SUPPRESS)  # internal: the load generator's process
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    main(parser.parse_args())
