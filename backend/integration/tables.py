"""Machine clients of the integration API: their tokens (only a hash is kept) and request counters."""

from piccolo.columns import JSON, UUID, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ApiToken(Table):
    id = UUID(primary_key=True)
    name = Varchar(length=100, unique=True)
    # SHA-256 of the token: the token is 256 random bits, so a fast hash is enough (no guessing)
    token_hash = Varchar(length=64, unique=True)
    scopes = JSON(default="[]")
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    # a resident's own read-only token (Konto → Dostęp dla aplikacji): the account it reads for
    # (scope own:read; no foreign key: a deleted account's token simply finds nobody), and its label
    owner = UUID(null=True, default=None, index=True)
    label = Varchar(length=100, default="")


class ApiRateWindow(Table):
    """Requests of one token in one minute, in the database so that every server process counts."""

    id = UUID(primary_key=True)
    key = Varchar(length=80, unique=True)  # token id : minute since the epoch
    hits = Integer(default=0)
    window_start = Timestamptz(index=True)
