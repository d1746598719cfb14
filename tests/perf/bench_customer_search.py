"""Benchmark: the office's customer search (`GET /api/staff/customers?q=…`, customers.services.search)
over a registry of N customers (about 1.1 N meters) loaded by the real `ebok import registry`.

    uv run python tests/perf/bench_customer_search.py [--customers 100000]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres uv run python tests/perf/bench_customer_search.py

A key (customer number, point code, meter serial) is answered from its index; any other text
(words of the name with or without Polish letters, e-mail, phone, an address) scans the customers
and service points. Each query runs --repeat times in-process; the median and the slowest are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "perf"))

import bench_registry_import as registry  # noqa: E402

QUERIES = [
    ("customer number", "150000"),
    ("meter serial", "WM00077777"),
    ("point code", "PP0012345"),
    ("name words, Polish letters", "odbiorca 4242 żółć"),
    ("name without diacritics, upper case", "ODBIORCA 4242 ZOLC"),
    ("e-mail part", "odbiorca99999@"),
    ("phone digits", "600 123 456"),
    ("address", "Żeromskiego 12"),
    ("nothing found", "nikt taki nie istnieje"),
]


async def measure(repeat: int) -> None:
    from backend.core import db
    from backend.customers.services import search

    await db.start()
    try:
        await _queries(search, repeat)
    finally:
        await db.stop()


async def _queries(search, repeat: int) -> None:  # type: ignore[no-untyped-def]
    for label, q in QUERIES:
        times, found = [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            found = len(await search(q))
            times.append((time.perf_counter() - start) * 1000)
        print(f"  {label:<38} {q!r:<26} median {statistics.median(times):7.1f} ms, "
              f"slowest {max(times):7.1f} ms, {found} found", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    database = registry._database()
    folder = Path(tempfile.mkdtemp(prefix="ebok-bench-search-"))
    path = folder / "registry.csv"
    registry.write_csv(path, registry.rows(args.customers))
    seconds, _, said = registry.timed_import(path, database)
    engine = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    print(f"{engine}: {args.customers} customers imported in {seconds:.1f} s ({said}); "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("EBOK_DATA_DIR", str(folder))
    os.environ["PICCOLO_CONF"] = "backend.piccolo_conf"
    asyncio.run(measure(args.repeat))


if __name__ == "__main__":
    main()
