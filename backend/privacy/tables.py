"""Requests to delete a portal account (RODO art. 17). Billing records are kept regardless."""

from piccolo.columns import UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.accounts.tables import User


class DeletionRequest(Table):
    id = UUID(primary_key=True)
    # kept after the account is gone, as the record that the request was carried out
    user = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    email = Varchar(length=254)
    customer_numbers = Varchar(length=200)
    reason = Varchar(length=500)
    status = Varchar(length=10, default="pending", index=True)  # pending | done | cancelled
    requested_at = Timestamptz(default=TimestamptzNow())
    handled_at = Timestamptz(null=True, default=None)
    handled_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
