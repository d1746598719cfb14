"""The audit log: one row per staff (or system) action, written once and never changed."""

from piccolo.columns import JSON, UUID, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AuditEntry(Table):
    id = UUID(primary_key=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    # the account that acted; None for the system (a command-line import, a scheduled job)
    actor_id = UUID(null=True, default=None, index=True)
    actor = Varchar(length=254)  # the account's e-mail, or e.g. "cli" for the command line
    action = Varchar(length=60, index=True)  # e.g. customer.update, meter.exchange, outage.publish
    object_kind = Varchar(length=40)  # customer, meter, service_point, outage, billing_run, ...
    object_id = Varchar(length=80, index=True)
    # the customer the object belongs to, when it belongs to one (the customer screen's trail)
    customer_id = UUID(null=True, default=None, index=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
