"""Deliveries sent in batches per endpoint (issue 14): each delivery keeps the start of its three
days of retries (retry_from: it was in the outbox job's payload while there was a job per
delivery), and the sender's claim (an endpoint's pending deliveries by their next attempt) has an
index of its own."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod
from piccolo.conf.apps import Finder
from piccolo.querystring import QueryString

ID = "2026-12-02T07:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhook deliveries: retry_from, claim index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="webhooks", description=DESCRIPTION)
    manager.add_column(
        table_class_name="WebhookDelivery",
        tablename="webhook_delivery",
        column_name="retry_from",
        db_column_name="retry_from",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    async def claim_index():
        engine = Finder().get_engine()
        await engine.run_querystring(QueryString(
            "CREATE INDEX IF NOT EXISTS webhook_delivery_due ON webhook_delivery (endpoint, status, next_attempt_at)"))

    manager.add_raw(claim_index)
    return manager
