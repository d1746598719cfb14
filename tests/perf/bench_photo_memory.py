"""Benchmark: the server process's memory while 12 residents upload big PNGs at the same moment.

    uv run python tests/perf/bench_photo_memory.py

Each scenario starts its own `ebok serve` (SQLite file, demo data), logs in 12 residents, then
sends one reading each, all at once, with:

* `bomb`: a 116 KB PNG that declares 6300x6300 (one colour, so it compresses 1000:1);
* `largest`: the largest PNG the server accepts (with transparency, so it is flattened too).

Prints the server's RSS before the uploads, its peak (VmHWM from /proc) and its RSS two seconds
after, with the answers' status codes. A PNG cannot be decoded at a reduced scale as a JPEG can:
each decode holds the whole picture, which is what the pixel limit for non-JPEG formats and the
bound on concurrent decodes are for (backend/core/photos.py).
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.perf.bench_submissions import PASSWORD, free_port, prepare
from tests.perf.serving import start_server

RESIDENTS = 12


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    colour = (40, 90, 160, 200) if mode == "RGBA" else (40, 90, 160)
    Image.new(mode, (width, height), colour).save(buf, "PNG")
    return buf.getvalue()


def largest_accepted() -> tuple[int, int]:
    try:
        from backend.core.photos import NON_DRAFT_MAX_PIXELS as limit
    except ImportError:  # before the limit for non-JPEG formats existed
        limit = 12_000_000
    width = 4000
    return width, limit // width


def memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


async def upload(client: httpx.AsyncClient, csrf: str, meter: dict, photo: bytes) -> int:
    value = (meter["last_reading"] or {"value_litres": 0})["value_litres"] + 5
    r = await client.post("/api/readings", data={
        "meter_id": meter["id"], "value": f"{value / 1000:.3f}".replace(".", ","),
        "captured_at": datetime.now(UTC).isoformat()}, files={"photo": ("w.png", photo, "image/png")},
        headers={"X-CSRFToken": csrf, "Idempotency-Key": str(uuid.uuid4())}, timeout=120)
    return r.status_code


async def scenario(name: str, photo: bytes) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ebok-bench-mem-"))
    env = {**os.environ, "PICCOLO_CONF": "backend.piccolo_conf", "EBOK_DATA_DIR": str(tmp), "EBOK_RUN_WORKER": "0"}
    env.pop("DATABASE_URL", None)
    prepare(env, RESIDENTS)
    port = free_port()
    server = await start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        clients = []
        for i in range(RESIDENTS):
            c = httpx.AsyncClient(base_url=base, timeout=30)
            await c.get("/api/config")
            csrf = c.cookies["csrftoken"]
            r = await c.post("/api/session", json={"login": f"bench{100002 + i}@example.com", "password": PASSWORD},
                             headers={"X-CSRFToken": csrf})
            r.raise_for_status()
            clients.append((c, csrf, (await c.get("/api/meters")).json()["meters"][0]))
        before = memory_kb(server.pid)["VmRSS"]
        started = time.perf_counter()
        codes = await asyncio.gather(*(upload(c, csrf, meter, photo) for c, csrf, meter in clients))
        wall = time.perf_counter() - started
        await asyncio.sleep(2)
        after = memory_kb(server.pid)
        for c, _, _ in clients:
            await c.aclose()
    finally:
        server.terminate()
        server.wait(30)
    print(f"{name}: {RESIDENTS} uploads of {len(photo) // 1024} KB in {wall:.1f} s, answers {dict(Counter(codes))}; "
          f"server RSS before {before / 1024:.0f} MB, peak {after['VmHWM'] / 1024:.0f} MB, "
          f"2 s after {after['VmRSS'] / 1024:.0f} MB")


async def main() -> None:
    await scenario("bomb 6300x6300 PNG", png(6300, 6300))
    width, height = largest_accepted()
    await scenario(f"largest accepted PNG {width}x{height} RGBA", png(width, height, "RGBA"))


if __name__ == "__main__":
    asyncio.run(main())
