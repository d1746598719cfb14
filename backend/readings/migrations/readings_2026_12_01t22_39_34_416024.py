"""The idempotency keys become core's: recorded without touching the database (`fake`), so the
table and its rows stay where they are; core's 2026-12-01 migration takes it over."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T22:39:34:416024"
VERSION = "1.38.0"
DESCRIPTION = "the idempotency keys move to core"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="readings", description=DESCRIPTION, fake=True
    )

    manager.drop_table(
        class_name="IdempotencyKey", tablename="idempotency_key", schema=None
    )

    return manager
