"""The background outbox: mail and push go through here, never from inside a request."""

from piccolo.columns import JSON, UUID, BigInt, ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class OutboxJob(Table):
    id = UUID(primary_key=True)
    kind = Varchar(length=20, index=True)  # mail | push | ...
    payload = JSON()
    status = Varchar(length=10, default="pending", index=True)  # pending | running | done | failed
    attempts = Integer(default=0)
    run_after = Timestamptz(default=TimestamptzNow(), index=True)
    locked_until = Timestamptz(null=True, default=None)
    last_error = Text()
    created_at = Timestamptz(default=TimestamptzNow())
    done_at = Timestamptz(null=True, default=None)


class Setting(Table):
    """Generated secrets kept across restarts and processes (CSRF secret, VAPID keys)."""

    key = Varchar(length=60, primary_key=True)
    value = Text()


class IdempotencyKey(Table):
    """One row per client-made key (backend/core/idempotency.py): replays return the first answer,
    other content is refused. The key belongs to an account and goes with it (the foreign key
    cascades); the account table is named, not imported, so core stays below the domains."""

    key = Varchar(length=36, primary_key=True)
    user: ForeignKey[Table] = ForeignKey(references=LazyTableReference("User", app_name="accounts"), index=True)
    request_hash = Varchar(length=64)
    state = Varchar(length=10, default="processing")  # processing | done
    response = JSON(default="{}")
    status_code = BigInt(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class SmsMessage(Table):
    """One SMS (backend/core/sms.py). `key` names what it is about (an outage's alert to a customer,
    a reading window's reminder): unique, so the same message is never queued, nor sent, twice.
    `customer` is the customer's id, without a foreign key (core names no domain table)."""

    id = UUID(primary_key=True)
    key = Varchar(length=120, unique=True)
    kind = Varchar(length=20)  # outage | reminder | notice
    customer = UUID(null=True, default=None, index=True)
    phone = Varchar(length=16)  # "48" and nine digits, as the gateway takes it
    text = Text()
    encoding = Varchar(length=5)  # gsm | ucs2
    parts = SmallInt(default=1)
    status = Varchar(length=12, default="queued", index=True)  # queued|sending|sent|delivered|undelivered|failed|held
    attempts = SmallInt(default=0)
    gateway_id = Varchar(length=40, index=True)
    error = Varchar(length=300)
    report = Varchar(length=20)  # the gateway's last delivery report (DELIVERED, UNDELIVERED, ...)
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None, index=True)
    reported_at = Timestamptz(null=True, default=None)
