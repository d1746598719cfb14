"""Benchmark: Lighthouse (mobile profile, performance) on the login page and, logged in, the dashboard.

    uv run python tests/perf/bench_lighthouse.py

Runs `npx --yes lighthouse@12` (from the npm registry) against a real `ebok demo` server with
Debian's Chromium, and prints the performance score, the paint timings and the JavaScript the
page transferred. Budget (docs/DESIGN.md): score >= 95, JavaScript <= 50 KB gzipped on first load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402
from tests.support import SmtpServer  # noqa: E402


def lighthouse(url: str, extra_headers: dict[str, str] | None = None) -> dict:
    out = Path(tempfile.mkdtemp()) / "report.json"
    command = [
        "npx", "--yes", "lighthouse@12", url, "--only-categories=performance", "--form-factor=mobile",
        "--output=json", f"--output-path={out}", "--quiet", "--chrome-flags=" + " ".join(["--headless", *CHROMIUM_ARGS]),
    ]
    if extra_headers:
        command.append("--extra-headers=" + json.dumps(extra_headers))
    for _ in range(3):  # Chromium under load sometimes fails to start in time
        done = subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300)
        if done.returncode == 0:
            break
    done.check_returncode()
    return json.loads(out.read_text())


def summary(name: str, report: dict) -> str:
    audits = report["audits"]
    scripts = [r for r in audits["network-requests"]["details"]["items"] if r.get("resourceType") == "Script"]
    js = sum(r.get("transferSize", 0) for r in scripts)
    body = sum(gzipped_size(r["url"]) for r in scripts)
    score = round(report["categories"]["performance"]["score"] * 100)
    shown = {key: audits[key]["displayValue"] for key in (
        "first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift")}
    return (f"{name}: performance {score} (target >= 95); FCP {shown['first-contentful-paint']}, "
            f"LCP {shown['largest-contentful-paint']}, TBT {shown['total-blocking-time']}, "
            f"CLS {shown['cumulative-layout-shift']}; JavaScript {len(scripts)} files, "
            f"{body / 1024:.1f} KB gzipped ({js / 1024:.1f} KB on the wire with response headers)")


def gzipped_size(url: str) -> int:
    import httpx

    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as r:
        return sum(len(chunk) for chunk in r.iter_raw())


def main() -> None:
    smtp = SmtpServer()
    server = Server(smtp, name="bench-lighthouse")
    server.start("demo", "--customers", "40")
    try:
        print(summary("login page", lighthouse(server.url + "/logowanie")))
        cookie = session_cookie(server.url)
        print(summary("dashboard (logged in)", lighthouse(server.url + "/", {"Cookie": cookie})))
    finally:
        server.stop()
        smtp.stop()


def session_cookie(base: str) -> str:
    import httpx

    with httpx.Client(base_url=base) as c:
        c.get("/api/config")
        r = c.post("/api/session", json={"login": "anna.nowak@example.com", "password": "demo-ebok-2026"},
                   headers={"X-CSRFToken": c.cookies["csrftoken"]})
        r.raise_for_status()
        return "; ".join(f"{k}={v}" for k, v in c.cookies.items())


if __name__ == "__main__":
    main()
