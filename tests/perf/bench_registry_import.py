"""Benchmark: the registry import of N customers (one service point each, every tenth with a garden
sub-meter: about 1.1 N meters) from a generated CSV, then the same file with 1% of its rows changed,
each as `ebok import registry` in a process of its own (the figures are what an office would see).

    uv run python tests/perf/bench_registry_import.py [--customers 100000]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres uv run python tests/perf/bench_registry_import.py

A fresh database: on the server DATABASE_URL names (ebok_bench_registry), else a temporary SQLite
file. Targets (issue 13.7): the first import <= 60 s and <= 500 MB peak RSS, the re-import <= 30 s.
The time includes the command's start-up and its migrations check; peak RSS is the command's
maximum resident set size (os.wait4).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from backend.customers.registry_file import COLUMNS, REMOVAL_COLUMNS  # noqa: E402

STREETS = ["ul. Lipowa", "ul. Długa", "ul. Słoneczna", "ul. Kościuszki", "ul. Żeromskiego", "ul. Mickiewicza"]
TOWNS = [("19-400", "Olecko"), ("19-300", "Ełk"), ("11-500", "Giżycko")]


def _database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import asyncpg

        async def fresh() -> None:
            conn = await asyncpg.connect(url)
            await conn.execute('DROP DATABASE IF EXISTS "ebok_bench_registry" WITH (FORCE)')
            await conn.execute('CREATE DATABASE "ebok_bench_registry"')
            await conn.close()

        asyncio.run(fresh())
        return url.rsplit("/", 1)[0] + "/ebok_bench_registry"
    return f"sqlite:///{tempfile.mkdtemp(prefix='ebok-bench-registry-')}/bench.sqlite3"


def rows(customers: int, changed: float = 0.0, seed: int = 13) -> list[list[str]]:
    rnd = random.Random(seed)
    change = random.Random(seed + 1)
    out = []
    for i in range(customers):
        street, (postcode, town) = rnd.choice(STREETS), rnd.choice(TOWNS)
        phone = f"6{rnd.randrange(10**8):08d}"
        if changed and change.random() < changed:
            phone = f"5{change.randrange(10**8):08d}"  # the 1%: a new phone number (rnd stays in step)
        customer = [f"{100000 + i}", f"Odbiorca {i} Łukasz Żółć", f"odbiorca{i}@example.com", phone, street,
                    str(1 + i % 90), postcode, town, str(1 + i % 3)]
        point = [f"PP{i:07d}", "", "", "", "", ""]
        meters = [("main", f"WM{i:08d}")] + ([("sub", f"WS{i:08d}")] if i % 10 == 0 else [])
        for kind, serial in meters:
            out.append([*customer, *point, serial, kind, "5", "2024-03-01", "01.03.2029",
                        f"{rnd.randrange(10**4)},{rnd.randrange(1000):03d}"])
    return out


def write_csv(path: Path, data: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        f.write(";".join(c for c in COLUMNS if c not in REMOVAL_COLUMNS) + "\r\n")
        for row in data:
            f.write(";".join(row) + "\r\n")


def timed_import(path: Path, db: str) -> tuple[float, float, str]:
    env = {**os.environ, "DATABASE_URL": db}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "backend.cli", "import", "registry", str(path), "--list", "0"],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"import failed ({proc.returncode}):\n{output[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, output.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    db = _database()
    folder = Path(tempfile.mkdtemp(prefix="ebok-bench-registry-files-"))
    first, second = folder / "registry.csv", folder / "registry-1pc.csv"
    write_csv(first, rows(args.customers))
    write_csv(second, rows(args.customers, changed=0.01))
    engine = "PostgreSQL" if db.startswith("postgres") else "SQLite"
    meters = sum(1 for _ in first.open(encoding="utf-8-sig")) - 1
    print(f"{engine}: {args.customers} customers, {meters} meters, {first.stat().st_size / 2**20:.1f} MB CSV")
    seconds, rss, said = timed_import(first, db)
    print(f"  first import: {seconds:.1f} s, peak RSS {rss:.0f} MB  ({said})")
    seconds, rss, said = timed_import(second, db)
    print(f"  re-import, 1% of rows changed: {seconds:.1f} s, peak RSS {rss:.0f} MB  ({said})")
    seconds, rss, said = timed_import(second, db)
    print(f"  the same file again: {seconds:.1f} s, peak RSS {rss:.0f} MB  ({said})")


if __name__ == "__main__":
    main()
