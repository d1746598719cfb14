"""Test set-up: a fresh database for the run (a real SQLite file, or a fresh PostgreSQL database
when DATABASE_URL points at a server), the app under httpx's ASGI transport on the test's own loop, a real SMTP server."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import msgspec
import pytest

from tests.support import RUN_DIR, SmtpServer, database_url_for

os.environ["PICCOLO_CONF"] = "backend.piccolo_conf"
os.environ["EBOK_DATA_DIR"] = str(RUN_DIR / "data")
os.environ.pop("SMTP_URL", None)
os.environ["EBOK_ARGON2_PROFILE"] = "test"  # still Argon2id, with the cheapest parameters

# The suite runs on PostgreSQL when DATABASE_URL points at one (the given database is only used
# to create fresh ones), else on SQLite files in a temporary folder.
if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    os.environ["EBOK_TEST_POSTGRES"] = os.environ["DATABASE_URL"]
os.environ["DATABASE_URL"] = database_url_for("api")

from backend.core import db  # imported after the environment above: it chooses the engine
from backend.settings import Settings


def _quiet_migrate() -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        asyncio.run(db.migrate())


_quiet_migrate()

ALL_TABLES: list[str] = []


def _table_names() -> list[str]:
    from piccolo.conf.apps import Finder

    names = []
    for app in Finder().get_app_registry().app_configs.values():
        names.extend(t._meta.tablename for t in app.table_classes)
    return names


@pytest.fixture
def settings(smtp_server: SmtpServer) -> Settings:
    base = Settings.from_env()
    return msgspec.structs.replace(
        base, smtp_url=f"smtp://127.0.0.1:{smtp_server.port}", base_url="http://127.0.0.1:8000",
        push_test_hosts=("127.0.0.1",),  # the local push service (tests/push_service.py)
        webhook_test_hosts=("127.0.0.1",),  # the tests' local webhook receiver
    )


@pytest.fixture
async def clean_db() -> AsyncIterator[None]:
    """Every test starts from empty tables (the schema stays)."""
    global ALL_TABLES
    ALL_TABLES = ALL_TABLES or _table_names()
    await db.start()
    try:
        if db.is_postgres():
            await db.engine().run_ddl("TRUNCATE " + ", ".join(f'"{t}"' for t in ALL_TABLES) + " CASCADE")
        else:
            for t in reversed(ALL_TABLES):
                await db.engine().run_ddl(f'DELETE FROM "{t}"')
    finally:
        await db.stop()
    yield


@pytest.fixture
async def client(settings: Settings, clean_db: None) -> AsyncIterator[Any]:
    import httpx

    from backend.app import create_app, resources

    # httpx's ASGI transport runs the app on the test's own event loop; Litestar's AsyncTestClient
    # runs it on a portal thread's loop, where the asyncpg pool of this loop cannot be used.
    app = create_app(settings, manage_resources=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with resources(settings), httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        r = await c.get("/api/config")
        assert r.status_code == 200
        c.headers["X-CSRFToken"] = c.cookies["csrftoken"]
        yield c


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()




def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser journeys run last: Playwright's sync API keeps an event loop running in the main
    thread for the rest of the session, where an async test after it could not start its own."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path).replace("\\", "/"))
