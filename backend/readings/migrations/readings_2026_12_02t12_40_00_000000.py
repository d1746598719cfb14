"""The customer a reading was given for (whose point the meter was on when it was captured), so the
notice that the office rejected or an inspector corrected it reaches that customer even after the
point changed hands. The next migration fills it in for the readings already stored."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T12:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the customer a reading was given for"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="readings", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Reading",
        tablename="reading",
        column_name="customer",
        db_column_name="customer",
        column_class_name="UUID",
        column_class=UUID,
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
    return manager
