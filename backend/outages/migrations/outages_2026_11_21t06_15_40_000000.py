"""Composite unique keys of the delivery records, as plain indexes: Piccolo's Unique() emits
ALTER TABLE ADD CONSTRAINT, which SQLite rejects. A migration of its own because Piccolo runs raw
statements before it creates the tables of the same migration."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

ID = "2026-11-21T06:15:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (publication, subscription) and (publication, user) of delivery records"

INDEXES = (
    "CREATE UNIQUE INDEX push_delivery_publication_subscription ON push_delivery (publication, subscription_id)",
    "CREATE UNIQUE INDEX alert_email_publication_user ON alert_email (publication, user_id)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="outages", description=DESCRIPTION)

    async def create_indexes():
        engine = Finder().get_engine()
        for sql in INDEXES:
            await engine.run_ddl(sql)

    manager.add_raw(create_indexes)
    return manager
