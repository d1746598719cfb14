# SPDX-License-Identifier: AGPL-3.0-or-later
"""A real `ebok serve --workers 2` and an `ebok worker` with JSON logs: /metrics adds up the three
processes (the worker's mail counters too), and the logs of an activation, a login and a password
reset hold none of the passwords, tokens or session ids."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support import RUN_DIR, database_url_for, link_from, spawn, start_listening, stop

OLD_PASSWORD = "Zielona-Rzeka-2026"
NEW_PASSWORD = "Szeroka-Dolina-2027"


def wait_for(check, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError("timed out")


def newest_link(mail_dir: Path, seen: set[Path]) -> tuple[str, set[Path]]:
    def fresh() -> list[Path]:
        return sorted(p for p in mail_dir.glob("*.eml") if p not in seen) if mail_dir.exists() else []

    files = wait_for(fresh)
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    return link_from(message), seen | set(files)


def health_counts(text: str) -> float:
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "ebok_http_requests_total" and s.labels.get("route") == "/api/health")


def test_two_workers_scraped_and_json_logs_without_secrets() -> None:
    data = RUN_DIR / "serve-ops"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_URL", "PROMETHEUS_MULTIPROC_DIR"))}
    env.update(DATABASE_URL=database_url_for("ops_serve"), EBOK_DATA_DIR=str(data), EBOK_LOG_FORMAT="json",
               PYTHONUNBUFFERED="1")
    ebok = [sys.executable, "-m", "backend.cli"]
    # the activation link's host is not used below (only its path and token)
    created = subprocess.run([*ebok, "create-user", "--role", "staff", "--email", "kasia@example.com"], env=env,
                             capture_output=True, text=True, timeout=300, check=False)
    assert created.returncode == 0, created.stderr
    serve_log, worker_log = data / "serve.log", data / "worker.log"
    serve_log.write_bytes(b"")

    def spawn_at(port: int) -> subprocess.Popen[bytes]:
        # the servers run no outbox worker: the reset mail is the separate worker's
        return spawn([*ebok, "serve", "--port", str(port), "--workers", "2"],
                     {**env, "EBOK_RUN_WORKER": "0", "EBOK_BASE_URL": f"http://127.0.0.1:{port}"}, serve_log)

    server, port = start_listening(spawn_at, lambda port: _get(f"http://127.0.0.1:{port}/api/ready") == 200,
                                   lambda _: [serve_log], timeout=180)
    base = f"http://127.0.0.1:{port}"
    worker = spawn([*ebok, "worker"], env, worker_log)
    secrets: list[str] = [OLD_PASSWORD, NEW_PASSWORD]
    try:
        activation, seen = newest_link(data / "mail", set())
        activation_token = urllib.parse.parse_qs(urllib.parse.urlsplit(activation).query)["token"][0]
        with httpx.Client(base_url=base) as c:
            assert c.get(urllib.parse.urlsplit(activation)._replace(scheme="", netloc="").geturl()).status_code == 200
            c.get("/api/config")
            c.headers["X-CSRFToken"] = c.cookies["csrftoken"]
            r = c.post("/api/account/activate", json={"token": activation_token, "password": OLD_PASSWORD})
            assert r.status_code == 200, r.text
            r = c.post("/api/session", json={"login": "kasia@example.com", "password": OLD_PASSWORD})
            assert r.status_code == 200, r.text
            secrets += [v for v in c.cookies.values() if len(v) >= 16]  # the session id and CSRF token
            assert c.post("/api/account/password-reset", json={"email": "kasia@example.com"}).status_code == 202
            reset, seen = newest_link(data / "mail", seen)
            reset_token = urllib.parse.parse_qs(urllib.parse.urlsplit(reset).query)["token"][0]
            assert c.get(f"/reset-hasla?token={reset_token}").status_code == 200
            r = c.post("/api/account/password-reset/confirm", json={"token": reset_token, "password": NEW_PASSWORD})
            assert r.status_code == 200, r.text
            secrets += [activation_token, reset_token]
            secrets += [v for v in c.cookies.values() if len(v) >= 16]
        with httpx.Client(base_url=base) as c:
            c.get("/api/config")
            c.headers["X-CSRFToken"] = c.cookies["csrftoken"]
            assert c.post("/api/session", json={"login": "kasia@example.com", "password": NEW_PASSWORD}).status_code == 200
            secrets += [v for v in c.cookies.values() if len(v) >= 16]

        # health checks on new connections until both processes have answered some
        prom = data / "prometheus"
        # the worker's counters are in the shared folder (written just after the mail it sent)
        wait_for(lambda: (prom / f"counter_{worker.pid}.db").exists(), timeout=30)
        sent = 0
        while len({p.stem.split("_")[-1] for p in prom.glob("counter_*.db")} - {str(worker.pid)}) < 2 or sent < 20:
            assert _get(base + "/api/health") == 200
            sent += 1
            assert sent < 400, "one process answered everything"
        first = httpx.get(base + "/metrics").text
        second = httpx.get(base + "/metrics").text
        assert health_counts(first) == sent == health_counts(second)
        # the reset mail, sent by the worker, counted in the servers' answer
        assert value(first, "ebok_mail_total", result="sent") == 1
        assert value(first, "ebok_outbox_jobs_processed_total", kind="mail", outcome="done") == 1
    finally:
        stop(server, worker, grace=60)
    assert worker.returncode == 0, worker_log.read_text()[-2000:]

    lines = [line for line in serve_log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(records[0])
    access = [r for r in records if r["logger"] == "uvicorn.access"]
    assert any(r["path"] == "/reset-hasla?token=REDACTED" and r["status"] == 200 for r in access)
    assert any(r["path"] == "/api/session" and r["method"] == "POST" for r in access)
    logged = "\n".join(lines)
    for secret in secrets:
        assert secret not in logged


def value(text: str, name: str, **labels: str) -> float:
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == name and s.labels == labels)


def _get(url: str) -> int:
    try:
        return httpx.get(url, timeout=10).status_code
    except httpx.HTTPError:
        return 0
