"""The registry import's keys and ends: service_point.code (the billing system's point key),
customer.ended_on and service_point.ended_on (what a full import no longer lists). The unique
indexes on service_point.code and meter.serial follow in the next migration: Piccolo runs raw
statements before the columns of the same migration exist."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T23:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "registry import: point code, contract ends"


def _params(**extra):
    return {"default": None, "null": True, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="customers", description=DESCRIPTION)
    manager.add_column(
        table_class_name="ServicePoint", tablename="service_point", column_name="code", db_column_name="code",
        column_class_name="Varchar", column_class=Varchar, params=_params(length=40), schema=None,
    )
    for table_class_name, tablename in (("Customer", "customer"), ("ServicePoint", "service_point")):
        manager.add_column(
            table_class_name=table_class_name, tablename=tablename, column_name="ended_on",
            db_column_name="ended_on", column_class_name="Date", column_class=Date, params=_params(), schema=None,
        )
    return manager
