# SPDX-License-Identifier: AGPL-3.0-or-later
"""Two `ebok serve` instances and one `ebok worker` behind a real nginx (Debian's), on this pass's
database (PostgreSQL in the PostgreSQL pass; SQLite's WAL file is shared by processes of one machine in
the other) and S3 object storage (moto's server): residents submit readings with photos and the office
publishes an outage while one instance is SIGKILLed and started again.

Clients retry what the PWA's outbox retries (a connection error or a 5xx, with the same Idempotency-Key).
Afterwards: every reading stored exactly once with its photo, every targeted device alerted once, the
sessions and the login throttle shared by both instances, no 5xx but nginx's 502 for requests that were
in flight on the killed instance."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from backend.readings.tables import Reading
from backend.settings import Settings
from tests.api.test_outages import resident, staff
from tests.pdfs import jpeg
from tests.push_service import PushService
from tests.s3_server import S3Server
from tests.support import PASSWORD, RUN_DIR, free_port, spawn, start_listening, stop

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
RESIDENTS = 6
READINGS_EACH = 5
EBOK = [sys.executable, "-m", "backend.cli"]

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (.ci/run installs it)")


def nginx_conf(prefix: Path, port: int, upstreams: list[int]) -> Path:
    """docs/deploy/nginx.conf's proxy settings, on plain http and a free port."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in upstreams)
    conf = prefix / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream ebok {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 12m;
        location / {{
            proxy_pass http://ebok;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
""")
    return conf


class Cluster:
    """The processes of the scenario, each in a process group of its own (tests/support.spawn): stop()
    ends every group, and the `cluster` fixture calls it whatever happens (a failure midway, Ctrl-C)."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        # the proxy's port is every instance's public address (EBOK_BASE_URL: links in mail and pushes);
        # should another process take it before nginx starts, nginx moves and only those links are off
        self.proxy_port = free_port()
        self.base = f"http://127.0.0.1:{self.proxy_port}"
        self.env["EBOK_BASE_URL"] = self.base
        self.ports: list[int] = []
        self.servers: dict[int, subprocess.Popen[bytes]] = {}
        self.killed: list[subprocess.Popen[bytes]] = []
        self.worker: subprocess.Popen[bytes] | None = None
        self.nginx: subprocess.Popen[bytes] | None = None

    def _log(self, port: int) -> list[Path]:
        return [self.folder / f"serve-{port}.log"]

    @staticmethod
    def _ready(port: int) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def _spawn_instance(self, port: int) -> subprocess.Popen[bytes]:
        self.servers[port] = spawn([*EBOK, "serve", "--port", str(port)], self.env, self._log(port)[0])
        return self.servers[port]

    def start_instance(self, port: int | None = None) -> int:
        """An `ebok serve` ready to serve, on `port` (the killed one's again: nginx expects it) or a free one."""
        _, at = start_listening(self._spawn_instance, self._ready, self._log, port=port, timeout=300)
        return at

    def start(self) -> None:
        # from the main thread, so that they also die with the test process (tests/support.spawn)
        self.ports = [self.start_instance() for _ in range(2)]
        self.worker = spawn([*EBOK, "worker"], self.env, self.folder / "worker.log")
        prefix = self.folder / "nginx"
        prefix.mkdir(parents=True, exist_ok=True)

        def spawn_nginx(port: int) -> subprocess.Popen[bytes]:
            conf = nginx_conf(prefix, port, self.ports)
            self.nginx = spawn([NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"], None,
                               prefix / "stderr.log")
            return self.nginx

        def proxy_ready(port: int) -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _, self.proxy_port = start_listening(spawn_nginx, proxy_ready,
                                             lambda _: [prefix / "stderr.log", prefix / "error.log"],
                                             prefer=self.proxy_port, timeout=30)
        self.base = f"http://127.0.0.1:{self.proxy_port}"

    def kill(self, port: int) -> None:
        victim = self.servers.pop(port)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.killed.append(victim)

    def stop(self) -> None:
        stop(self.nginx, self.worker, *self.servers.values(), *self.killed, grace=15)


class Client:
    """One resident's phone: requests through the proxy, retried like the PWA's outbox does."""

    def __init__(self, base: str, log: list[tuple[float, int]]) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=30)
        self.log = log  # (when, status) of every 5xx seen

    async def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                r = await self.http.request(method, url, **kw)
            except httpx.TransportError:
                await asyncio.sleep(0.2)
                continue
            if r.status_code == 409 and r.json().get("code") == "request_in_progress":
                await asyncio.sleep(1.0)  # the killed instance's claim, taken over after its lease
                continue
            if r.status_code < 500:
                return r
            self.log.append((time.monotonic(), r.status_code))
            await asyncio.sleep(0.2)
        raise AssertionError(f"{method} {url} never answered")

    async def log_in(self, login: str) -> None:
        await self.request("GET", "/api/config")
        self.http.headers["X-CSRFToken"] = self.http.cookies["csrftoken"]
        r = await self.request("POST", "/api/session", json={"login": login, "password": PASSWORD})
        assert r.status_code == 200, r.text


def login_direct(port: int, password: str) -> httpx.Response:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
        c.get("/api/config")
        return c.post("/api/session", json={"login": "far@example.com", "password": password},
                      headers={"X-CSRFToken": c.cookies["csrftoken"]})


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, login_max_failures=3)


@pytest.fixture
def s3() -> Iterator[S3Server]:
    server = S3Server()
    try:
        server.bucket("ebok-cluster")
        yield server
    finally:
        server.stop()


@pytest.fixture
def push() -> Iterator[PushService]:
    service = PushService()
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def cluster(s3: S3Server) -> Iterator[Cluster]:
    """Not started: the test starts it once its people are in the database; stopped here in any case."""
    folder = RUN_DIR / f"cluster-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_URL", "PROMETHEUS_MULTIPROC_DIR"))}
    env.update(s3.env("ebok-cluster", "cluster"), EBOK_DATA_DIR=str(folder / "data"), EBOK_RUN_WORKER="0",
               EBOK_SECRET_KEY="cluster-test-secret-key-shared-by-both-instances", EBOK_TRUSTED_PROXIES="1",
               EBOK_PUSH_TEST_HOSTS="127.0.0.1", EBOK_LOGIN_MAX_FAILURES="3", PYTHONUNBUFFERED="1")
    running = Cluster(env, folder)
    try:
        yield running
    finally:  # also after KeyboardInterrupt: every process group is signalled, SIGKILL after the grace
        running.stop()


async def test_two_instances_behind_nginx_survive_a_killed_instance(
        settings: Settings, clean_db: None, s3: S3Server, push: PushService, cluster: Cluster) -> None:
    people = [await resident(settings, f"r{i}@example.com", "ul. Lipowa", str(i + 1)) for i in range(RESIDENTS)]
    far = await resident(settings, "far@example.com", "ul. Polna", "2")
    await staff(settings)
    errors: list[tuple[float, int]] = []
    cluster.start()
    phones = [Client(cluster.base, errors) for _ in people]
    for phone, person in zip(phones, people, strict=True):
        await phone.log_in(person["email"])
        r = await phone.request("POST", "/api/push/subscriptions", json=push.device(person["email"]).to_json())
        assert r.status_code == 200, r.text
    far_phone = Client(cluster.base, errors)
    await far_phone.log_in(far["email"])
    assert (await far_phone.request("POST", "/api/push/subscriptions",
                                    json=push.device("far").to_json())).status_code == 200

    # sessions are in the database: the cookie of a login through the proxy opens both instances
    for port in cluster.ports:
        direct = await phones[0].http.get(f"http://127.0.0.1:{port}/api/me")  # the same cookie jar
        assert direct.status_code == 200 and direct.json()["email"] == "r0@example.com"

    office = Client(cluster.base, errors)
    await office.log_in("biuro@example.com")
    now = datetime.now(UTC)
    draft = await office.request("POST", "/api/staff/outages", json={
        "kind": "failure", "title": "Awaria sieci wodociągowej", "description": "Pękła rura.",
        "starts_at": (now - timedelta(minutes=10)).isoformat(), "expected_end": (now + timedelta(hours=5)).isoformat(),
        "water_point": "Beczkowóz", "area": {"town": "Olecko", "streets": [{"street": "ul. Lipowa"}]}})
    assert draft.status_code == 201, draft.text

    answered: dict[str, str] = {}  # Idempotency-Key -> reading id

    async def submit_all(i: int) -> None:
        for n in range(READINGS_EACH):
            key = str(uuid.uuid4())
            r = await phones[i].request(
                "POST", "/api/readings", headers={"Idempotency-Key": key},
                data={"meter_id": people[i]["meter_id"], "value": str(1000 + 10 * n), "comment": "",
                      "captured_at": (now - timedelta(minutes=READINGS_EACH - n)).isoformat()},
                files={"photo": ("licznik.jpg", jpeg(320 + 8 * i, 240 + n), "image/jpeg")})
            assert r.status_code in (200, 201), r.text
            answered[key] = r.json()["id"]
            await asyncio.sleep(0.1)

    async def kill_and_restart() -> tuple[float, float]:
        await asyncio.sleep(0.8)
        victim = cluster.ports[0]
        killed_at = time.monotonic()
        cluster.kill(victim)
        publish = await office.request("POST", f"/api/staff/outages/{draft.json()['id']}/publish")
        assert publish.status_code in (200, 409), publish.text  # 409: a retry after it was published
        await asyncio.sleep(1.0)
        await asyncio.to_thread(cluster.start_instance, victim)
        return killed_at, time.monotonic()

    started = time.monotonic()
    *_, (killed_at, back_at) = await asyncio.gather(*(submit_all(i) for i in range(RESIDENTS)),
                                                    kill_and_restart())
    # the restarted instance serves again: requests reach it through the proxy
    for _ in range(4):
        assert (await phones[1].request("GET", "/api/me")).status_code == 200

    # every reading once: what the phones were told is exactly what is stored, each with its photo
    rows = await Reading.select(Reading.id, Reading.meter, Reading.value_litres, Reading.photo_hash)
    assert len(rows) == RESIDENTS * READINGS_EACH
    assert {str(r["id"]) for r in rows} == set(answered.values())
    assert len({(str(r["meter"]), r["value_litres"]) for r in rows}) == len(rows)
    objects = s3.keys("ebok-cluster", "cluster/photos/")
    assert all(f"cluster/photos/{h[:2]}/{h[2:4]}/{h}.jpg" in objects for h in {r["photo_hash"] for r in rows})

    # every device on ul. Lipowa alerted once, the one elsewhere not at all
    deadline = time.monotonic() + 30
    while len(push.counts) < RESIDENTS and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # anything sent twice would have arrived by now
    assert dict(push.counts) == {p["email"]: 1 for p in people} and push.errors == []

    # the login throttle is in the database: failures through one instance count on the other
    fails = [login_direct(cluster.ports[n % 2], "wrong-password-1234") for n in range(3)]
    assert [f.status_code for f in fails] == [400, 400, 400], [f.text for f in fails]
    for port in cluster.ports:
        r = login_direct(port, PASSWORD)
        assert r.status_code == 429, r.text

    # the only 5xx: nginx's 502 for requests the killed instance had in flight
    assert all(status == 502 for _, status in errors), errors
    assert all(killed_at <= t <= killed_at + 5 for t, _ in errors), (errors, killed_at)
    print(f"\ncluster: {len(rows)} readings, 0 lost, 0 duplicated; {len(push.counts)} devices alerted once; "
          f"{len(errors)} x 502 at the kill; instance back after {back_at - killed_at:.1f} s; "
          f"{time.monotonic() - started:.1f} s")
