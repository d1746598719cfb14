"""Portal accounts, their links to customers, sessions, one-time tokens and login attempts."""

from piccolo.columns import UUID, Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.customers.tables import Customer


class User(Table, tablename="ebok_user"):
    id = UUID(primary_key=True)
    email = Varchar(length=254, unique=True)  # stored lower-case
    name = Varchar(length=200)
    role = Varchar(length=12, default="resident")  # resident | inspector | staff
    password_hash = Varchar(length=200)  # empty until activated
    language = Varchar(length=2, default="pl")
    active = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    password_changed_at = Timestamptz(null=True, default=None)


class UserCustomer(Table):
    """Which customers a resident account may see (consent is per customer)."""

    id = UUID(primary_key=True)
    user = ForeignKey(references=User, index=True)
    customer = ForeignKey(references=Customer, index=True)


class Session(Table, tablename="ebok_session"):
    id = Varchar(length=64, primary_key=True)  # SHA-256 of the cookie value, never the value itself
    user = ForeignKey(references=User, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    remember = Boolean(default=False)
    user_agent = Varchar(length=200)


class OneTimeToken(Table):
    """Activation and password-reset links: hashed, single use, expiring."""

    id = Varchar(length=64, primary_key=True)  # SHA-256 of the token
    user = ForeignKey(references=User, index=True)
    purpose = Varchar(length=12)  # activation | reset
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class LoginAttempt(Table):
    """Failed logins, counted per account and per IP across processes."""

    id = UUID(primary_key=True)
    key = Varchar(length=300, index=True)  # "login:<login>" or "ip:<address>"
    at = Timestamptz(default=TimestamptzNow(), index=True)


class LoginThrottle(Table):
    """One row per person ("user:<id>", or "login:<login>" for a login no account has) and per IP
    ("ip:<address>"): failures in a row and when the last one was evaluated. Changed only by a
    compare-and-swap on `version`, so concurrent attempts cannot all read the same count."""

    key = Varchar(length=300, primary_key=True)
    failures = Integer(default=0)
    last_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=0)


class EmailChange(Table):
    """A new login e-mail waiting for its owner to open the link sent to it (hashed, single use)."""

    id = Varchar(length=64, primary_key=True)  # SHA-256 of the token
    user = ForeignKey(references=User, index=True)
    new_email = Varchar(length=254)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
