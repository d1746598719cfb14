"""Webhooks (issue 14): the office's endpoints, the events the domains emitted and one delivery of
each event to each endpoint, with the last answer the endpoint gave."""

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class WebhookEndpoint(Table):
    id = UUID(primary_key=True)
    url = Varchar(length=500)
    description = Varchar(length=200, default="")
    # the signing secret (whsec_...): the sender needs it in the clear to sign; shown to the office once
    secret = Varchar(length=100, secret=True)
    events = JSON(default="[]")  # the event types it receives
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    disabled_at = Timestamptz(null=True, default=None)


class WebhookEvent(Table):
    """One thing that happened, emitted in the transaction of the change; `id` (msg_...) is the
    webhook-id every delivery and every retry of it carries."""

    id = Varchar(length=40, primary_key=True)
    type = Varchar(length=40, index=True)
    payload = JSON(default="{}")  # the JSON body as sent: {"type", "timestamp", "data"}
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class WebhookDelivery(Table):
    id = UUID(primary_key=True)
    event = ForeignKey(WebhookEvent, index=True)
    endpoint = ForeignKey(WebhookEndpoint, index=True)
    status = Varchar(length=10, default="pending")  # pending | delivered | failed
    attempts = Integer(default=0)
    last_attempt_at = Timestamptz(null=True, default=None)
    next_attempt_at = Timestamptz(null=True, default=None)
    response_status = Integer(null=True, default=None)  # the endpoint's last HTTP status
    response_body = Text(default="")  # the start of its last answer, or the connection error
    delivered_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    # the start of its three days of retries: created_at, or when the office last pressed "send again"
    retry_from = Timestamptz(null=True, default=None)
