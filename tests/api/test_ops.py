# SPDX-License-Identifier: AGPL-3.0-or-later
"""Operations: /metrics (Prometheus text, who may read it), /api/ready, logs without secrets."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import msgspec
import pytest
from prometheus_client.parser import text_string_to_metric_families

from backend.app import create_app, outbox_handlers
from backend.core import sms
from backend.core.logs import redact_path
from backend.core.outbox import Worker
from backend.settings import Settings
from tests.api.test_readings import jpeg, post_reading
from tests.support import RUN_DIR, database_url_for, log_in, make_customer, make_user


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # no outbox worker: the mail a password reset queues stays in the outbox to be counted
    return msgspec.structs.replace(settings, run_worker=False)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(settings: Settings, peer: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """/metrics asked from `peer`, through the ASGI transport of an app with these settings."""
    transport = httpx.ASGITransport(app=create_app(settings, manage_resources=False), client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        return await c.get("/metrics", headers=headers or {})


async def test_metrics_count_requests_per_route_template_readings_and_the_outbox(client, settings):
    first = await client.get("/metrics")
    assert first.status_code == 200
    before = first.text
    customer = await make_customer(number="410001")
    await make_user(settings, "ops@example.com", customer_id=customer["id"])
    await log_in(client, "ops@example.com")
    assert (await post_reading(client, customer["meter_id"], "12,5", photo=jpeg())).status_code == 201
    reading = (await client.get(f"/api/meters/{customer['meter_id']}/readings")).json()["readings"][0]
    assert (await client.get(f"/api/readings/{reading['id']}/thumb")).status_code == 200
    assert (await client.post("/api/account/password-reset", json={"email": "ops@example.com"})).status_code == 202

    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=")
    after = r.text

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("ebok_readings_received_total", source="resident") == 1
    assert delta("ebok_http_requests_total", method="POST", route="/api/readings", status="201") == 1
    # the template, not the path: no reading id in any label
    thumb = [k for k in samples(after) if k[0] == "ebok_http_requests_total" and ("method", "GET") in k[1]
             and any(v.endswith("/thumb") for _, v in k[1])]
    assert thumb and all(reading["id"] not in str(k) for k in thumb)
    assert delta("ebok_http_request_duration_seconds_count", method="POST", route="/api/readings") == 1
    # the reset mail waits in the outbox (no worker here): depth and age per kind, read at scrape time
    assert value(after, "ebok_outbox_depth", kind="mail", status="pending") == 1
    assert 0 <= value(after, "ebok_outbox_oldest_age_seconds", kind="mail") < 600
    assert value(after, "ebok_db_pool_connections", pid=str(os.getpid()), state="max") >= 1
    assert reading["id"] not in after and "ops@example.com" not in after

    # the worker sends the mail and an SMS (no EBOK_SMSAPI_TOKEN: kept as sent, nothing leaves)
    assert await sms.queue_sms(settings, "ops-test", "+48 601 234 567", "Test", "outage")
    queued = (await client.get("/metrics")).text
    assert value(queued, "ebok_outbox_depth", kind="sms", status="pending") == 1
    assert value(queued, "ebok_outbox_depth", kind="mail", status="pending") == 1
    assert await Worker(handlers=outbox_handlers(settings)).run_once() == 2
    done = (await client.get("/metrics")).text

    def since(name: str, **labels: str) -> float:
        return value(done, name, **labels) - value(before, name, **labels)

    assert since("ebok_mail_total", result="sent") == 1 and since("ebok_mail_total", result="failed") == 0
    assert since("ebok_sms_total", result="sent") == 1
    assert since("ebok_outbox_jobs_processed_total", kind="mail", outcome="done") == 1
    assert since("ebok_outbox_jobs_processed_total", kind="sms", outcome="done") == 1
    # nothing waits any more: the depth and age series are gone
    assert not [k for k in samples(done) if k[0].startswith(("ebok_outbox_depth", "ebok_outbox_oldest"))]


async def test_metrics_are_refused_to_others_unless_allowed_or_with_the_token(client, settings):
    assert (await scrape(settings, "127.0.0.1")).status_code == 200
    assert (await scrape(settings, "::1")).status_code == 200
    refused = await scrape(settings, "203.0.113.7")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    # a request a proxy on this machine forwarded comes from loopback, but not from the machine
    assert (await scrape(settings, "127.0.0.1", {"X-Forwarded-For": "203.0.113.7"})).status_code == 403

    with_token = msgspec.structs.replace(settings, metrics_token="s3cret-scraper-token")
    assert (await scrape(with_token, "203.0.113.7", {"Authorization": "Bearer s3cret-scraper-token"})).status_code == 200
    assert (await scrape(with_token, "203.0.113.7", {"Authorization": "Bearer s3cret"})).status_code == 403
    assert (await scrape(settings, "203.0.113.7", {"Authorization": "Bearer "})).status_code == 403

    allowed = msgspec.structs.replace(settings, metrics_allow=("203.0.113.0/24", "2001:db8::1"))
    assert (await scrape(allowed, "203.0.113.7")).status_code == 200
    assert (await scrape(allowed, "2001:db8::1")).status_code == 200
    assert (await scrape(allowed, "198.51.100.1")).status_code == 403
    proxied = msgspec.structs.replace(allowed, trusted_proxies=True)
    # behind the proxy the address is the hop the proxy appended, not what the client wrote first
    assert (await scrape(proxied, "127.0.0.1", {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})).status_code == 200
    assert (await scrape(proxied, "127.0.0.1", {"X-Forwarded-For": "203.0.113.7, 198.51.100.1"})).status_code == 403


async def test_ready_is_503_while_a_migration_is_pending(client):
    from piccolo.apps.migrations.tables import Migration

    assert (await client.get("/api/health")).json() == {"status": "ok"}
    ok = await client.get("/api/ready")
    assert ok.status_code == 200 and ok.json()["status"] == "ready"
    # a new release's migration not yet run: take the last one off the record, then put it back
    last = (await Migration.select().order_by(Migration.id, ascending=False).first())
    await Migration.delete().where(Migration.id == last["id"])
    try:
        r = await client.get("/api/ready")
        assert r.status_code == 503
        assert r.json() == {"status": "unavailable", "database": "ok", "pending_migrations": 1}
    finally:
        await Migration.insert(Migration(**{k: v for k, v in last.items() if k != "id"}))
    assert (await client.get("/api/ready")).status_code == 200


READY_SCRIPT = """
import asyncio, sys, httpx
from backend.app import create_app, outbox_handlers
from backend.core import sms
from backend.core.outbox import Worker
from backend.core import db

async def ask():
    transport = httpx.ASGITransport(app=create_app(manage_resources=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        r = await c.get("/api/ready")
        print(r.status_code, r.text)

if sys.argv[1] == "break":  # SQLite: the file gone and a folder in its place, after the engine opened it
    import os
    path = db.engine().path
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    os.mkdir(path)
asyncio.run(ask())
if sys.argv[1] == "migrate":
    asyncio.run(db.migrate())
    asyncio.run(ask())
"""


def ready_in_subprocess(database_url: str, then: str) -> list[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "EBOK_DATA_DIR": str(RUN_DIR / "ready-data")}
    done = subprocess.run([sys.executable, "-c", READY_SCRIPT, then], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_ready_on_a_fresh_database_without_migrations_then_migrated():
    lines = ready_in_subprocess(database_url_for("ready_fresh"), "migrate")
    assert lines[0].startswith("503 ") and '"database":"ok"' in lines[0]
    assert int(msgspec.json.decode(lines[0][4:])["pending_migrations"]) > 5
    assert lines[-1].startswith("200 ") and '"status":"ready"' in lines[-1]


def test_ready_when_the_database_is_unreachable():
    if os.environ.get("EBOK_TEST_POSTGRES"):
        url, then = "postgresql://postgres@127.0.0.1:1/nothing", "once"  # nothing listens on port 1
    else:
        url, then = f"sqlite:///{RUN_DIR / 'unreachable.sqlite3'}", "break"
    lines = ready_in_subprocess(url, then)
    assert lines == ['503 {"status":"unavailable","database":"unreachable"}']


@pytest.mark.parametrize(("path", "logged"), [
    ("/reset-hasla?token=Abc-123_x", "/reset-hasla?token=REDACTED"),
    ("/api/x?ids=1&ids=2", "/api/x?ids=REDACTED&ids=REDACTED"),
    ("/api/health", "/api/health"),
])
def test_access_log_paths_keep_no_query_values(path: str, logged: str) -> None:
    assert redact_path(path) == logged


def test_the_shared_metrics_folder_is_emptied_only_when_no_writer_lives(tmp_path, monkeypatch):
    from backend.core import multiproc

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    dead = int(ended.stdout)
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / f"counter_{dead}.db").write_bytes(b"x")
    (folder / f"gauge_livesum_{dead}.db").write_bytes(b"x")
    # a previous run, every writer gone: the folder starts empty, and the rule is EBOK_DATA_DIR/prometheus
    assert multiproc.prepare(tmp_path) == folder
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(folder) and list(folder.iterdir()) == []

    # a writer alive (the worker next to a restarted server): its counters and the dead one's stay,
    # the dead one's live gauge goes
    alive = os.getppid()
    for name in (f"counter_{alive}.db", f"counter_{dead}.db", f"gauge_livesum_{dead}.db"):
        (folder / name).write_bytes(b"x")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "elsewhere"))
    assert multiproc.prepare(tmp_path) == tmp_path / "elsewhere"  # the variable, when set, wins
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    multiproc.prepare(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"counter_{alive}.db", f"counter_{dead}.db"])
