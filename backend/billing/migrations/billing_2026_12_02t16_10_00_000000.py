"""A document's remaining amount (`billing/payments.py` _REMAINING) sums the allocations that credit
it away (`allocation.credit_document = d.id`). Nearly every allocation is a payment's, with no
credit document: once SQLite's planner has statistics (ANALYZE, `PRAGMA optimize`), the index on
that column looks like one value for every row and it scans the whole allocation table instead, for
every document on the settlements screen and the dashboard (the demo's 300 customers: 33 -> 760 us
a balance). An index of the rows that have a credit document keeps the lookup on an index whatever
the statistics say; PostgreSQL, which counts NULLs apart, gets the smaller index too."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

ID = "2026-12-02T16:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "partial index of allocation.credit_document for the documents' remaining amounts"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="billing", description=DESCRIPTION)

    async def create_index():
        await Finder().get_engine().run_ddl(
            "CREATE INDEX IF NOT EXISTS allocation_credit_document_set ON allocation (credit_document) "
            "WHERE credit_document IS NOT NULL")

    manager.add_raw(create_index)
    return manager
