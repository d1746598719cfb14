"""Outages (awarie, planned works, water-quality warnings), their publications, the devices
subscribed to Web Push, and one row per delivery so a resumed fan-out never sends twice."""

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.accounts.tables import User


class Outage(Table):
    id = UUID(primary_key=True)
    kind = Varchar(length=10)  # failure | planned | quality
    status = Varchar(length=10, default="draft", index=True)  # draft | published | closed
    title = Varchar(length=120)
    description = Text()
    starts_at = Timestamptz()
    expected_end = Timestamptz(null=True, default=None)
    water_point = Varchar(length=300)  # where replacement water is given out (beczkowóz, hydrant)
    town = Varchar(length=80, index=True)
    # {"streets": [{"street", "from", "to", "parity"}], "service_point_ids": [...]}: see area.py
    area = JSON(default="{}")
    version = Integer(default=0)  # publications so far; the notification's text changes with each
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class Publication(Table, tablename="outage_publication"):
    """One alert sent about an outage: the first one, an update, or the all-clear."""

    id = UUID(primary_key=True)
    outage = ForeignKey(references=Outage, index=True)
    seq = SmallInt()  # 1 = first alert; later ones replace it on the device (same tag and Topic)
    reason = Varchar(length=10)  # published | updated | closed
    created_at = Timestamptz(default=TimestamptzNow())
    targeted_at = Timestamptz(null=True, default=None)  # the delivery rows are all written
    finished_at = Timestamptz(null=True, default=None)


class PushSubscription(Table):
    id = UUID(primary_key=True)
    user = ForeignKey(references=User, index=True)
    endpoint = Varchar(length=1000, unique=True)
    p256dh = Varchar(length=100)
    auth = Varchar(length=40)
    language = Varchar(length=2, default="pl")
    user_agent = Varchar(length=200)
    all_points = Boolean(default=True)  # every service point of the user, now and later
    service_point_ids = JSON(default="[]")  # the chosen ones when all_points is false
    created_at = Timestamptz(default=TimestamptzNow())
    last_sent_at = Timestamptz(null=True, default=None)


class PushDelivery(Table):
    """(publication, subscription) is unique: targeting twice after a crash adds nothing."""

    id = UUID(primary_key=True)
    publication = ForeignKey(references=Publication, index=True)
    subscription_id = UUID()  # no foreign key: the record outlives a subscription deleted on 410
    endpoint_origin = Varchar(length=200)
    status = Varchar(length=10, default="pending", index=True)  # pending|sending|sent|retry|failed|gone|superseded
    attempts = SmallInt(default=0)
    http_status = SmallInt(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    last_error = Varchar(length=300)
    sent_at = Timestamptz(null=True, default=None)


class AlertEmail(Table):
    """One e-mail alert per (publication, user), queued in the mail outbox with the row."""

    id = UUID(primary_key=True)
    publication = ForeignKey(references=Publication, index=True)
    user_id = UUID()
    queued_at = Timestamptz(default=TimestamptzNow())
