"""Inspectors' field work: visits to check readings on site, grouped into routes."""

from piccolo.columns import JSON, UUID, Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.accounts.tables import User
from backend.customers.tables import Meter
from backend.readings.tables import Reading


class Route(Table, tablename="inspection_route"):
    """One inspector, one day, visits ordered by street and number."""

    id = UUID(primary_key=True)
    inspector = ForeignKey(references=User, index=True, on_delete=OnDelete.restrict)
    day = Date(index=True)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class Visit(Table, tablename="inspection_visit"):
    id = UUID(primary_key=True)
    route = ForeignKey(references=Route, null=True, default=None, index=True, on_delete=OnDelete.set_null)
    meter = ForeignKey(references=Meter, index=True)
    reading = ForeignKey(references=Reading, null=True, default=None, on_delete=OnDelete.set_null)  # under review
    reasons = JSON(default="[]")
    access_note = Varchar(length=300)  # e.g. "klucz u sąsiada spod 5", from the office
    position = Integer(default=0)  # order on the route
    status = Varchar(length=10, default="pending")  # pending | done
    result = Varchar(length=12)  # confirmed | corrected | damaged | no_access
    result_reading = ForeignKey(references=Reading, null=True, default=None, on_delete=OnDelete.set_null)
    note = Varchar(length=500)  # the inspector's note (leave-a-card text for no access)
    done_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
