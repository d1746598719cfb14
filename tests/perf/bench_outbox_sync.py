"""Benchmark: 50 readings with photos queued offline in the PWA, then the phone reconnects.
Prints the seconds from going online until the outbox is empty, and the readings stored.

    uv run python tests/perf/bench_outbox_sync.py [--readings 50]

Runs a real `ebok demo` server and Debian's Chromium on a phone profile; photos are 1600 px JPEGs
as the app makes them on the phone, a different one per reading (queued with the app's own
addReading, as the capture form does after downscaling).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, Server, log_in  # noqa: E402
from tests.perf.bench_submissions import photos_1600  # noqa: E402
from tests.support import SmtpServer  # noqa: E402

QUEUE = """async ([meters, count, photos]) => {
  const { addReading } = await import('/static/app/outbox.js');
  for (let i = 0; i < count; i++) {
    const bytes = Uint8Array.from(atob(photos[i]), (c) => c.charCodeAt(0));
    const m = meters[i % meters.length];
    const litres = m.last_reading.value_litres + 1 + Math.floor(i / meters.length);
    await addReading({
      meterId: m.id, serial: m.serial, address: m.address,
      valueText: `${Math.floor(litres / 1000)},${String(litres % 1000).padStart(3, '0')}`,
      capturedAt: new Date(Date.now() - 60000 + i * 100).toISOString(), comment: '',
      photo: bytes.buffer, photoType: 'image/jpeg',
    });
  }
  return count;
}"""


def main() -> None:
    import base64

    from playwright.sync_api import expect, sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--readings", type=int, default=50)
    args = parser.parse_args()
    smtp = SmtpServer()
    server = Server(smtp, name="bench-outbox")
    server.start("demo", "--customers", "5")
    photos = photos_1600(args.readings)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(base_url=server.url, **PHONE)
            page = context.new_page()
            log_in(page, "anna.nowak@example.com")
            page.goto("/odczyty")
            meters = page.evaluate("fetch('/api/meters').then(r => r.json())")["meters"]
            before = sum(len(page.evaluate(f"fetch('/api/meters/{m['id']}/readings').then(r => r.json())")["readings"])
                         for m in meters)
            context.set_offline(True)
            page.evaluate(QUEUE, [meters, args.readings, [base64.b64encode(photo).decode() for photo in photos]])
            page.reload()
            expect(page.get_by_test_id("unsent-badge")).to_contain_text(str(args.readings))
            started = time.perf_counter()
            context.set_offline(False)
            expect(page.get_by_test_id("outbox-summary")).to_have_text("Wszystkie odczyty zostały wysłane.", timeout=300_000)
            seconds = time.perf_counter() - started
            after = sum(len(page.evaluate(f"fetch('/api/meters/{m['id']}/readings').then(r => r.json())")["readings"])
                        for m in meters)
            browser.close()
    finally:
        server.stop()
        smtp.stop()
    print(f"outbox sync: {args.readings} readings with different ~{sum(map(len, photos)) // len(photos) // 1024} KB "
          f"photos sent in {seconds:.1f} s "
          f"({args.readings / seconds:.1f} readings/s); stored: {after - before} (expected {args.readings})")


if __name__ == "__main__":
    main()
