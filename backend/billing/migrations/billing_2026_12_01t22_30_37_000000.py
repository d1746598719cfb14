"""Reminders issued before reminder_item existed kept their invoice in `refers_to` and
"number|owed" in `reason`: each becomes an item of its reminder, and the reason is emptied. A
migration of its own because Piccolo runs raw statements before it creates the tables of the same
migration."""

import uuid

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder
from piccolo.querystring import QueryString

ID = "2026-12-01T22:30:37:000000"
VERSION = "1.38.0"
DESCRIPTION = "reminders' invoices and amounts into reminder_item"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="billing", description=DESCRIPTION)

    async def move():
        engine = Finder().get_engine()
        rows = await engine.run_querystring(QueryString(
            "SELECT id, refers_to, reason FROM document WHERE kind = 'reminder' AND refers_to IS NOT NULL"))
        for row in rows:
            owed = str(row["reason"]).rpartition("|")[2]
            await engine.run_querystring(QueryString(
                "INSERT INTO reminder_item (id, reminder, invoice, owed_grosze) VALUES ({}, {}, {}, {})",
                uuid.uuid4(), row["id"], row["refers_to"], int(owed) if owed.isdigit() else 0))
        await engine.run_querystring(QueryString(
            "UPDATE document SET refers_to = NULL, reason = '' WHERE kind = 'reminder'"))

    manager.add_raw(move)
    return manager
