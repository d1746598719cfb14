"""The readings already stored take their meter's customer of today as the customer they were given
for (the column the previous migration added): the best that is known about them."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T12:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "the stored readings' customer"


async def backfill():
    await engine_finder().run_ddl(
        "UPDATE reading SET customer = (SELECT sp.customer FROM meter m JOIN service_point sp "
        "ON sp.id = m.service_point WHERE m.id = reading.meter) WHERE customer IS NULL")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="readings", description=DESCRIPTION)
    manager.add_raw(backfill)
    return manager
