"""Unique keys of the registry import: service_point.code and meter.serial, as unique indexes
(SQLite cannot add a UNIQUE constraint to an existing table; both engines enforce the index alike).
The plain index on meter.serial is replaced by the unique one. Fails, and changes nothing, on a
database where two meters share a serial: those must be told apart first."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder
from piccolo.querystring import QueryString

ID = "2026-12-01T23:45:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "registry import: unique point codes and meter serials"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="customers", description=DESCRIPTION)

    async def unique_keys():
        engine = Finder().get_engine()
        await engine.run_querystring(QueryString(
            'CREATE UNIQUE INDEX IF NOT EXISTS service_point_code_unique ON service_point (code)'))
        await engine.run_querystring(QueryString('CREATE UNIQUE INDEX IF NOT EXISTS meter_serial_unique ON meter (serial)'))
        await engine.run_querystring(QueryString('DROP INDEX IF EXISTS meter_serial'))

    manager.add_raw(unique_keys)
    return manager
