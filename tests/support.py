"""Helpers shared by the tests: databases, a real SMTP server (aiosmtpd), factories."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

RUN_DIR = Path(os.environ.get("EBOK_TEST_RUN_DIR") or tempfile.mkdtemp(prefix="ebok-tests-"))
os.environ["EBOK_TEST_RUN_DIR"] = str(RUN_DIR)
def _fresh_postgres(url: str, name: str) -> str:
    """Create an empty database `name` on the server of `url`; return its URL."""
    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    # in a thread of its own: Playwright's sync API keeps an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, create()).result()
    return url.rsplit("/", 1)[0] + "/" + name


def database_url_for(name: str) -> str:
    """A new empty database for one purpose of this run (API tests, the browser server, ...)."""
    base = os.environ.get("EBOK_TEST_POSTGRES") or ""
    if base:
        return _fresh_postgres(base, f"ebok_{name}_{os.getpid()}")
    return f"sqlite:///{RUN_DIR / f'{name}.sqlite3'}"


# --- a real SMTP server (aiosmtpd) -------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                import email
                from email import policy

                msg = email.message_from_bytes(envelope.content, policy=policy.default)
                outer.messages.append(msg)
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if address in m["To"]]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 10) -> list[Any]:
        for _ in range(int(timeout * 20)):
            found = self.to(address)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"no mail to {address} within {timeout}s; got {[m['To'] for m in self.messages]}")

    def wait_for_sync(self, address: str, count: int = 1, timeout: float = 15, subject: str = "") -> list[Any]:
        """Mail to `address` (with `subject` in its subject, when given): the browser tests share one
        server, so earlier tests' mail to the same address may be there already."""
        import time

        for _ in range(int(timeout * 10)):
            found = [m for m in self.to(address) if subject in str(m["Subject"])]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no mail to {address} ({subject!r}) within {timeout}s")

    def stop(self) -> None:
        self.controller.stop()


def link_from(message: Any) -> str:
    import re

    body = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://\S+token=[\w-]+", body)
    assert found, body
    return found.group(0)


# --- factories ----------------------------------------------------------------------------------

PASSWORD = "Niebieska-Woda-2026"


async def make_customer(number: str | None = None, name: str = "Jan Testowy", **kw: Any) -> dict[str, Any]:
    """A customer with one service point and a main meter."""
    from datetime import date

    from backend.customers.tables import Customer, Meter, ServicePoint

    cid, spid, mid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    number = number or str(200000 + uuid.uuid4().int % 700000)
    await Customer.insert(Customer(id=cid, number=number, name=name, email=kw.get("email", ""),
                                   street="ul. Testowa", house_number="1", postcode="19-400", town="Olecko"))
    await ServicePoint.insert(ServicePoint(id=spid, customer=cid, street=kw.get("street", "ul. Lipowa"),
                                           house_number=kw.get("house_number", "7"), postcode="19-400",
                                           town="Olecko"))
    await Meter.insert(Meter(id=mid, service_point=spid, serial=f"WD{uuid.uuid4().int % 10**8:08d}", kind="main",
                             installed_on=date(2024, 1, 1), verification_due=date(2029, 1, 1), digits=5))
    return {"id": str(cid), "number": number, "service_point_id": str(spid), "meter_id": str(mid)}


async def make_user(settings: Any, email: str, role: str = "resident", customer_id: str | None = None,
                    password: str = PASSWORD, name: str = "Test User") -> str:
    from backend.accounts import services

    return str(await services.create_user(settings, email, name, role, customer_id=customer_id, password=password))


async def log_in(client: Any, login: str, password: str = PASSWORD, remember: bool = False) -> Any:
    r = await client.post("/api/session", json={"login": login, "password": password, "remember": remember})
    assert r.status_code == 200, r.text
    return r


