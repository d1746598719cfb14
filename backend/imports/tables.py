"""The office's registry imports (the Kartoteka screen) and the lock that lets one run at a time."""

from piccolo.columns import JSON, UUID, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class RegistryImport(Table):
    """A registry file the office uploaded in the PWA: checked, planned, applied by outbox jobs."""

    id = UUID(primary_key=True)
    # checking | planned | refused | applying | done | failed | discarded
    status = Varchar(length=12, default="checking")
    full = Boolean(default=False)
    file_name = Varchar(length=200)
    file_size = Integer(default=0)
    by_user = UUID()  # the staff member (accounts' user id; the registry does not read accounts)
    by_name = Varchar(length=200)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    done = Integer(default=0)  # progress: rows checked, then entries written
    total = Integer(default=0)
    summary = JSON(default="{}")  # the plan: counts, first entries, changed fields, conflicts
    errors_count = Integer(default=0)
    first_errors = JSON(default="[]")  # [line, column, code, params] of the first hundred
    problem = Text(default="")  # the file as a whole refused: JSON {code, params}


class RegistryLock(Table):
    """One row while an import is in hand: INSERT is the lock (a primary key both databases enforce
    across processes); it goes when the import is applied, discarded, or left untouched too long."""

    id = Varchar(length=16, primary_key=True)  # always "registry"
    import_id = UUID()
    by_user = UUID()
    by_name = Varchar(length=200)
    since = Timestamptz()
    touched_at = Timestamptz()
