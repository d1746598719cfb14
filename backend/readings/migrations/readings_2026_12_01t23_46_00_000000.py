"""The readings feed's triggers (issue 14): a `reading_change` row when a reading is inserted and when
its status or verification changes, whatever code wrote it. On PostgreSQL the trigger takes a
transaction-level advisory lock before it draws the sequence number, so feed rows commit in `seq`
order (a consumer's cursor never jumps over a row that commits later); the lock is held only to
the end of the short transaction that writes a reading. SQLite has one writer at a time anyway.
The readings already stored enter the feed once, in the order they were received."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T23:46:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the readings feed's triggers"

FEED_LOCK = 1414  # the advisory lock's key: "14", the issue

POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION reading_feed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
            AND NEW.verification IS NOT DISTINCT FROM OLD.verification THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock({FEED_LOCK});
    INSERT INTO reading_change (reading, kind, status, verification)
    VALUES (NEW.id, CASE WHEN TG_OP = 'INSERT' THEN 'received' ELSE 'status_changed' END,
            NEW.status, NEW.verification);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
""",
    "CREATE TRIGGER reading_feed_insert AFTER INSERT ON reading FOR EACH ROW EXECUTE FUNCTION reading_feed()",
    "CREATE TRIGGER reading_feed_update AFTER UPDATE ON reading FOR EACH ROW EXECUTE FUNCTION reading_feed()",
]

SQLITE = [
    """
CREATE TRIGGER reading_feed_insert AFTER INSERT ON reading BEGIN
    INSERT INTO reading_change (reading, kind, status, verification)
    VALUES (NEW.id, 'received', NEW.status, NEW.verification);
END
""",
    """
CREATE TRIGGER reading_feed_update AFTER UPDATE OF status, verification ON reading
WHEN NEW.status IS NOT OLD.status OR NEW.verification IS NOT OLD.verification BEGIN
    INSERT INTO reading_change (reading, kind, status, verification)
    VALUES (NEW.id, 'status_changed', NEW.status, NEW.verification);
END
""",
]

BACKFILL = """INSERT INTO reading_change (reading, kind, status, verification)
SELECT id, 'received', status, verification FROM reading ORDER BY received_at, id"""


async def triggers():
    engine = engine_finder()
    await engine.run_ddl(BACKFILL)
    for sql in POSTGRES if engine.engine_type == "postgres" else SQLITE:
        await engine.run_ddl(sql)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="readings", description=DESCRIPTION)
    manager.add_raw(triggers)
    return manager
