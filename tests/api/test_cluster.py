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
from tests.support import PASSWORD, RUN_DIR, free_port

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
    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        self.ports = [free_port(), free_port()]
        self.proxy_port = free_port()
        self.base = f"http://127.0.0.1:{self.proxy_port}"
        self.env["EBOK_BASE_URL"] = self.base
        self.servers: dict[int, subprocess.Popen[bytes]] = {}
        self.worker: subprocess.Popen[bytes] | None = None
        self.nginx: subprocess.Popen[bytes] | None = None

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen[bytes]:
        with (self.folder / log).open("ab") as out:
            return subprocess.Popen([*EBOK, *args], env=self.env, stdout=out, stderr=out)

    def start_instance(self, port: int) -> None:
        self.servers[port] = self._spawn(["serve", "--port", str(port)], f"serve-{port}.log")

    def wait_ready(self, port: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.servers[port].poll() is None, (self.folder / f"serve-{port}.log").read_text()[-3000:]
            time.sleep(0.2)
        raise AssertionError(f"instance {port} not ready")

    def start(self) -> None:
        for port in self.ports:
            self.start_instance(port)
        for port in self.ports:
            self.wait_ready(port)
        self.worker = self._spawn(["worker"], "worker.log")
        prefix = self.folder / "nginx"
        prefix.mkdir(parents=True, exist_ok=True)
        conf = nginx_conf(prefix, self.proxy_port, self.ports)
        self.nginx = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=(prefix / "stderr.log").open("wb"))
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(self.base + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert self.nginx.poll() is None and time.monotonic() < deadline, (prefix / "stderr.log").read_text()
            time.sleep(0.1)

    def stop(self) -> None:
        procs = [p for p in [self.nginx, self.worker, *self.servers.values()] if p is not None]
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


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


async def test_two_instances_behind_nginx_survive_a_killed_instance(settings: Settings, clean_db: None) -> None:
    s3, push = S3Server(), PushService()
    s3.bucket("ebok-cluster")
    folder = RUN_DIR / f"cluster-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    people = [await resident(settings, f"r{i}@example.com", "ul. Lipowa", str(i + 1)) for i in range(RESIDENTS)]
    far = await resident(settings, "far@example.com", "ul. Polna", "2")
    await staff(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_URL", "PROMETHEUS_MULTIPROC_DIR"))}
    env.update(s3.env("ebok-cluster", "cluster"), EBOK_DATA_DIR=str(folder / "data"), EBOK_RUN_WORKER="0",
               EBOK_SECRET_KEY="cluster-test-secret-key-shared-by-both-instances", EBOK_TRUSTED_PROXIES="1",
               EBOK_PUSH_TEST_HOSTS="127.0.0.1", EBOK_LOGIN_MAX_FAILURES="3", PYTHONUNBUFFERED="1")
    cluster = Cluster(env, folder)
    errors: list[tuple[float, int]] = []
    try:
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
            cluster.servers[victim].send_signal(signal.SIGKILL)
            cluster.servers[victim].wait()
            publish = await office.request("POST", f"/api/staff/outages/{draft.json()['id']}/publish")
            assert publish.status_code in (200, 409), publish.text  # 409: a retry after it was published
            await asyncio.sleep(1.0)
            cluster.start_instance(victim)
            await asyncio.to_thread(cluster.wait_ready, victim)
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
    finally:
        cluster.stop()
        push.stop()
        s3.stop()
