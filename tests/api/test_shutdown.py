"""A real `ebok serve` process told to stop (SIGTERM) in the middle of an outage alert: it exits
within seconds, leaves neither its job nor its batch held, and the next process sends the rest,
each device once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest

from backend.core.tables import OutboxJob
from backend.outages.tables import Publication, PushDelivery
from tests.api.test_outages import outage_body, resident, staff, subscribe
from tests.push_service import PushService
from tests.support import RUN_DIR, http_ok, log_in, spawn, start_listening, stop

DEVICES = 30


@pytest.fixture
def settings(settings):
    return msgspec.structs.replace(settings, run_worker=False)  # the server process sends, not the test


@pytest.fixture
def stub():
    service = PushService()
    yield service
    service.stop()


def start_server() -> subprocess.Popen[bytes]:
    env = {**os.environ, "EBOK_PUSH_TEST_HOSTS": "127.0.0.1", "EBOK_PUSH_IN_FLIGHT": "1", "EBOK_PUSH_SENDERS": "1"}
    log = RUN_DIR / "shutdown-serve.log"

    def spawn_at(port: int) -> subprocess.Popen[bytes]:
        return spawn([sys.executable, "-m", "backend.cli", "serve", "--port", str(port)], env, log,
                     cwd=Path(__file__).parents[2])

    # migrations first; the machine may be busy
    proc, _ = start_listening(spawn_at, lambda port: http_ok(f"http://127.0.0.1:{port}/api/health"),
                              lambda _: [log], timeout=120)
    return proc


async def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_sigterm_during_an_alert_exits_promptly_and_the_next_process_sends_the_rest(client, settings, stub):
    await staff(settings)
    for i in range(DEVICES):
        await resident(settings, f"r{i}@example.com", "ul. Lipowa", str(i + 1))
        await subscribe(client, f"r{i}@example.com", stub.device(f"r{i}"))
    await log_in(client, "biuro@example.com")
    o = (await client.post("/api/staff/outages", json=outage_body())).json()
    assert (await client.post(f"/api/staff/outages/{o['id']}/publish")).status_code == 200

    stub.delay = 0.5  # one push at a time, half a second each: the alert would take 15 s
    server = start_server()
    try:
        async def some_sent() -> bool:
            return sum(stub.counts.values()) >= 2

        await wait_for(some_sent)
        told = time.monotonic()
        server.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(server.wait, 30)
        took = time.monotonic() - told
        print(f"stopped {took:.1f} s after SIGTERM")
    finally:
        stop(server)
    assert code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has shut down
    assert took < 5, f"{took:.1f} s to stop"  # was the whole fan-out (51 s to minutes for real alerts)
    statuses = [r["status"] for r in await PushDelivery.select(PushDelivery.status)]
    assert "sending" not in statuses  # the batch in hand was recorded or put back, not left leased
    assert statuses.count("sent") == sum(stub.counts.values()) < DEVICES
    [job] = await OutboxJob.select().where(OutboxJob.kind == "outage_alert")
    assert job["status"] == "pending" and job["attempts"] == 0  # due again at once, not held 5 minutes

    stub.delay = 0
    server = start_server()
    try:
        async def finished() -> bool:
            row = await Publication.select(Publication.finished_at).first()
            return row["finished_at"] is not None

        await wait_for(finished)
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.to_thread(server.wait, 30)
    assert sorted(stub.counts) == sorted(f"r{i}" for i in range(DEVICES))
    assert set(stub.counts.values()) == {1}  # each device once, across the two processes
