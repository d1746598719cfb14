"""The API against its own OpenAPI schema: schemathesis generates requests for every operation
(a few examples each) and sends them to a real `ebok demo` server as a logged-in resident; any
5xx, an undocumented status, a wrong content type or a body that breaks the schema fails."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import RUN_DIR, database_url_for, http_ok, spawn, start_listening, stop

RESIDENT = {"login": "anna.nowak@example.com", "password": "demo-ebok-2026"}
EXAMPLES = 4  # per operation: the whole run stays well under a minute
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    env = {**os.environ, "DATABASE_URL": database_url_for("schemathesis"), "EBOK_DATA_DIR": str(RUN_DIR / "st-data"),
           "EBOK_RUN_WORKER": "0", "EBOK_LOGIN_MAX_FAILURES": "100000"}
    log = RUN_DIR / "schemathesis-server.log"

    def spawn_at(port: int) -> subprocess.Popen[bytes]:
        return spawn([sys.executable, "-m", "backend.cli", "demo", "--customers", "3", "--port", str(port)], env, log,
                     cwd=Path(__file__).parents[2])

    proc, port = start_listening(spawn_at, lambda port: http_ok(f"http://127.0.0.1:{port}/api/health"),
                                 lambda _: [log], timeout=180)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc, grace=30)


def log_in(session: requests.Session, base: str) -> None:
    session.get(base + "/api/config", timeout=10)
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    r = session.post(base + "/api/session", json=RESIDENT, timeout=10)
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def resident(server: str) -> Iterator[requests.Session]:
    with requests.Session() as session:
        log_in(session, server)
        yield session


def _summary(exc: BaseException) -> str:
    found = [exc] if not isinstance(exc, BaseExceptionGroup) else list(exc.exceptions)
    return "; ".join(f"{type(e).__name__}: {str(e).strip().splitlines()[0][:160]}" for e in found)


def test_every_operation_answers_as_its_schema_says(server: str, resident: requests.Session) -> None:
    from hypothesis import given

    api = schemathesis.openapi.from_url(server + "/api/schema/openapi.json")
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 60
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            if "ebok_session" not in resident.cookies:  # a generated DELETE /api/session logged out
                log_in(resident, server)
            case.call_and_validate(base_url=server, session=resident, checks=CHECKS, timeout=30)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # what each operation did wrong
            failures[f"{operation.method.upper()} {operation.path}"] = _summary(exc)
    assert failures == {}
