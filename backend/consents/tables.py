"""Consents of a customer, as a history of events: the current state is the latest event per kind."""

from piccolo.columns import UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.accounts.tables import User
from backend.customers.tables import Customer


class ConsentEvent(Table):
    """One give or withdraw of one consent; rows are never updated or deleted (accountability)."""

    id = UUID(primary_key=True)
    customer = ForeignKey(references=Customer, index=True)
    kind = Varchar(length=20)  # e_invoice | contact_data | push_alerts | email_alerts
    action = Varchar(length=9)  # given | withdrawn
    at = Timestamptz(default=TimestamptzNow(), index=True)
    by_user = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    channel = Varchar(length=12, default="portal")  # portal | office | registration
    email = Varchar(length=254, default="")  # e_invoice given: the address the invoices go to
