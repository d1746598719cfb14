"""Helpers shared by the tests: databases, a real SMTP server (aiosmtpd), factories."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

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
    """A port free a moment ago: another process may take it first. Servers that can bind port 0
    themselves do (the stubs in tests/); the rest are started through on_free_port / start_listening,
    which try another port when it was taken (EADDRINUSE)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


IN_USE = "address already in use"  # uvicorn's and nginx's words for EADDRINUSE
ATTEMPTS = 5


def on_free_port(start: Callable[[int], T]) -> T:
    """start(port) for an in-process server that cannot bind port 0 and tell the port; on EADDRINUSE
    again with another port."""
    import errno

    for attempt in range(ATTEMPTS):
        try:
            return start(free_port())
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the test process dies, however it dies (Linux)."""
    import ctypes
    import signal

    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def spawn(args: Sequence[str], env: dict[str, str] | None = None, log: Path | None = None,
          cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """A child process in a process group of its own (stop() ends it with whatever it started, e.g.
    nginx's workers), its output appended to `log`. Started from the main thread it also dies with the
    test process (a thread's exit would count as the parent's death, so only there)."""
    import threading

    out = log.open("ab") if log is not None else None
    try:
        proc = subprocess.Popen(
            list(args), env=env, cwd=cwd, stdout=out or subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if threading.current_thread() is threading.main_thread() else None)
    finally:
        if out is not None:
            out.close()
    if not _SPAWNED:
        import atexit

        atexit.register(_kill_leftovers)
    _SPAWNED.append(proc)
    return proc


_SPAWNED: list[subprocess.Popen[bytes]] = []


def _kill_leftovers() -> None:
    """At the test process's exit: SIGKILL to the groups of spawned processes nobody stopped."""
    import signal

    for p in _SPAWNED:
        if p.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, signal.SIGKILL)


def stop(*procs: subprocess.Popen[bytes] | None, grace: float = 10.0) -> None:
    """SIGTERM to each process's group, then SIGKILL to every group still there after `grace` seconds,
    also when the wait is interrupted (KeyboardInterrupt, a failing assertion)."""
    import signal
    import time

    alive = [p for p in procs if p is not None]

    def signal_groups(sig: int) -> None:
        for p in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, sig)  # the group of a leader that exited may still hold its children

    try:
        signal_groups(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for p in alive:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        signal_groups(signal.SIGKILL)
        for p in alive:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=10)


def start_listening(spawn_at: Callable[[int], subprocess.Popen[bytes]], ready: Callable[[int], bool],
                    logs: Callable[[int], Sequence[Path]], port: int | None = None, prefer: int | None = None,
                    timeout: float = 180) -> tuple[subprocess.Popen[bytes], int]:
    """spawn_at(port) a server process that writes to logs(port), then wait until ready(port). When it exits
    saying the address is in use, again on another free port; a given `port` (a restart where a proxy
    expects it) is tried again a moment later. `prefer`: the port of the first attempt."""
    import time

    for attempt in range(ATTEMPTS):
        at = port or (prefer if attempt == 0 and prefer else free_port())
        seen = {log: log.stat().st_size if log.exists() else 0 for log in logs(at)}
        proc = spawn_at(at)
        deadline = time.monotonic() + timeout
        while not ready(at):
            if proc.poll() is not None:
                said = "".join(log.read_bytes()[seen.get(log, 0):].decode(errors="replace")
                               for log in logs(at) if log.exists())
                if IN_USE in said.lower() and attempt < ATTEMPTS - 1:
                    time.sleep(0.5)
                    break
                raise AssertionError(f"{proc.args!r} exited with {proc.returncode}: {said[-3000:]}")
            if time.monotonic() > deadline:
                stop(proc)
                raise AssertionError(f"{proc.args!r} not ready on port {at} within {timeout:.0f} s")
            time.sleep(0.2)
        else:
            return proc, at
    raise AssertionError(f"no free port for {spawn_at!r} after {ATTEMPTS} attempts")


def http_ok(url: str) -> bool:
    """GET url answered 200 (the readiness probe of start_listening)."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return int(r.status) == 200
    except OSError:
        return False


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

        def start(port: int) -> Any:  # aiosmtpd connects to its own port to know it listens: no port 0
            controller = Controller(Handler(), hostname="127.0.0.1", port=port)
            controller.start()
            return controller

        self.controller = on_free_port(start)
        self.port = int(self.controller.port)

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


