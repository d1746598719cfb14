"""Run in a subprocess by tests/api/test_migrations.py: migrations on a database of their own
(DATABASE_URL), stopped at a given point, so a test can hold data across a later migration."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import sys

os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
os.environ.setdefault("EBOK_ARGON2_PROFILE", "test")


async def forwards_until(stops: dict[str, str]) -> None:
    """Every app's migrations, each app in `stops` only up to (and including) the given one."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.commands.forwards import run_forwards

    for app in BaseMigrationManager().get_sorted_app_names():
        result = await run_forwards(app, stops.get(app, "all"))
        if not result.success:
            raise RuntimeError(result.message)


async def keys_move() -> dict[str, object]:
    """The idempotency keys' table moving from readings to core keeps its rows and foreign key."""
    from backend.accounts import services as accounts
    from backend.accounts.profile import delete_account
    from backend.core import db, idempotency
    from backend.core.tables import IdempotencyKey
    from backend.settings import Settings

    with contextlib.redirect_stdout(io.StringIO()):
        await forwards_until({"core": "2026-11-21T05:42:50:320464", "readings": "2026-11-21T06:19:12:494646"})
    await db.start()
    try:
        settings = Settings.from_env()
        user = await accounts.create_user(settings, "klucz@example.com", "Klucz", "resident", password="x" * 12)
        user_id = str(user)
        assert await idempotency.claim("0d5c1f7e-0000-4000-8000-000000000001", user_id, "a" * 64) is None
        await idempotency.complete("0d5c1f7e-0000-4000-8000-000000000001", 201, {"id": "reading-1"})
        with contextlib.redirect_stdout(io.StringIO()):
            await db.migrate()
        replay = await idempotency.claim("0d5c1f7e-0000-4000-8000-000000000001", user_id, "a" * 64)
        kept = await IdempotencyKey.count()
        await delete_account(user_id)  # the key is the account's: it goes with it
        return {"replay": list(replay) if replay else None, "rows": kept, "after_deletion": await IdempotencyKey.count()}
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run({"keys_move": keys_move}[sys.argv[1]]())))
