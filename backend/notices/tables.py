"""Reading reminders: one row per (service point, window, stage, channel, recipient), so a reminder
is never sent twice, and a record of what was sent, skipped (a reading came) or failed."""

from piccolo.columns import JSON, UUID, Date, SmallInt, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Reminder(Table):
    id = UUID(primary_key=True)
    key = Varchar(length=160, unique=True)  # service point : window opens : stage : channel : recipient
    service_point = UUID(index=True)
    meter = UUID()  # the main meter whose capture screen the reminder opens
    customer = UUID(index=True)
    opens = Date()  # the window's first day
    closes = Date()  # its last day
    stage = Varchar(length=8)  # open | closing (two days before the end, when no reading came)
    channel = Varchar(length=5)  # push | email | sms
    recipient = Varchar(length=36)  # the device (push), the account (e-mail) or the customer (SMS)
    address = Varchar(length=254)  # the e-mail address or phone it goes to; empty for push
    language = Varchar(length=2, default="pl")
    street = Varchar(length=160)  # the service point as the resident reads it
    status = Varchar(length=8, default="queued", index=True)  # queued | sent | skipped | failed
    attempts = SmallInt(default=0)
    due_at = Timestamptz(default=TimestamptzNow())  # push and SMS wait for the morning (quiet hours)
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class Notice(Table):
    """A notice about a resident's own data (a reading rejected, a new invoice, a payment booked,
    an outage extended or ended): one row per event, channel and recipient, unique by its key, so
    a fan-out job that runs again sends nothing twice."""

    id = UUID(primary_key=True)
    key = Varchar(length=200, unique=True)  # kind : what it is about : channel : recipient
    kind = Varchar(length=20)  # backend/core/notify.py KINDS
    customer = UUID(index=True)
    channel = Varchar(length=5)  # push | email | sms
    recipient = Varchar(length=36)  # the device (push), the account (e-mail) or the customer (SMS)
    address = Varchar(length=254)  # the e-mail address or phone it goes to; empty for push
    language = Varchar(length=2, default="pl")
    data = JSON(default="{}")  # what the texts need (amounts, numbers, the office's note)
    url = Varchar(length=200)  # the screen the notice opens (path in the PWA)
    status = Varchar(length=8, default="queued", index=True)  # queued | sent | skipped (turned off since) | failed
    attempts = SmallInt(default=0)
    due_at = Timestamptz(default=TimestamptzNow())  # push and SMS wait for the morning (quiet hours)
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
