"""Browser journeys: a real `ebok demo` server process on a free port, its own database,
the tests' SMTP server, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import RUN_DIR, SmtpServer, database_url_for, free_port, http_ok, spawn, start_listening, stop

CHROMIUM = os.environ.get("EBOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DEMO_PASSWORD = "demo-ebok-2026"


class Server:
    def __init__(self, smtp: SmtpServer, name: str = "e2e") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = RUN_DIR / f"{name}-data"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url_for(name),
            "EBOK_DATA_DIR": str(self.data_dir),
            "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
            "EBOK_BASE_URL": self.url,
            "EBOK_WEBHOOK_TEST_HOSTS": "127.0.0.1",  # the webhook journey's local receiver; never in production
        }
        self.log = RUN_DIR / f"{name}-server.log"
        self.log.write_bytes(b"")
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = False

    def start(self, *args: str) -> None:
        """On a free port the first time (another one if it was taken meanwhile), then on the same one:
        the browser contexts keep their base URL across a restart."""
        def spawn_at(port: int) -> subprocess.Popen[bytes]:
            self.port, self.url = port, f"http://127.0.0.1:{port}"
            self.env["EBOK_BASE_URL"] = self.url
            return spawn([sys.executable, "-m", "backend.cli", *args, "--port", str(port)], self.env, self.log,
                         cwd=Path(__file__).parents[2])

        self.proc, _ = start_listening(spawn_at, lambda port: http_ok(f"http://127.0.0.1:{port}/api/health"),
                                       lambda _: [self.log], port=self.port if self.started else None,
                                       prefer=self.port, timeout=120)
        self.started = True

    def stop_process(self) -> None:
        stop(self.proc, grace=15)

    def stop(self) -> None:
        self.stop_process()


@pytest.fixture(scope="session")
def server(smtp_server: SmtpServer) -> Iterator[Server]:
    srv = Server(smtp_server)
    srv.start("demo", "--customers", "40")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser: Any, server: Server) -> Iterator[Any]:
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", timezone_id="Europe/Warsaw", **PHONE)
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    assert not errors, f"JavaScript errors on the page: {errors}"


WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}


def assert_accessible(page: Any) -> None:
    """axe-core at WCAG 2.1 A/AA on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


def log_in(page: Any, login: str, password: str = DEMO_PASSWORD, succeed: bool = True) -> None:
    from playwright.sync_api import expect

    page.goto("/logowanie")
    page.get_by_label("E-mail lub numer klienta").fill(login)
    page.get_by_label("Hasło", exact=True).fill(password)
    page.get_by_role("button", name="Zaloguj się").click()
    if succeed:
        expect(page.get_by_role("button", name=re.compile("^(Wyloguj|Log out|Вийти)$"))).to_be_visible()
