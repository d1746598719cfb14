"""The utility's registry: customers, their service points and meters."""

from piccolo.columns import (
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    SmallInt,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Customer(Table):
    id = UUID(primary_key=True)
    number = Varchar(length=20, unique=True)  # data, not a key (docs/DESIGN.md: IDs are opaque)
    name = Varchar(length=200)
    email = Varchar(length=254, index=True)
    phone = Varchar(length=32)
    # correspondence address (may differ from the service points)
    street = Varchar(length=120)
    house_number = Varchar(length=20)
    postcode = Varchar(length=6)
    town = Varchar(length=80)
    billing_period_months = SmallInt(default=1)  # 1, 2 or 3
    ended_on = Date(null=True, default=None)  # contract ended (a full registry import no longer lists it)
    # the resident (or the office) changed the contact data or correspondence address in e-BOK and the
    # billing system's file has not caught up yet: the import keeps e-BOK's values and reports a conflict
    contact_changed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ServicePoint(Table):
    id = UUID(primary_key=True)
    customer = ForeignKey(references=Customer, index=True)
    # the billing system's key of the point (registry import); null for points made before it.
    # Unique by an index the migration creates (SQLite cannot add a UNIQUE column)
    code = Varchar(length=40, null=True, default=None, unique=True)
    street = Varchar(length=120, index=True)
    house_number = Varchar(length=20)
    apartment = Varchar(length=20)
    postcode = Varchar(length=6)
    town = Varchar(length=80)
    ended_on = Date(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Meter(Table):
    id = UUID(primary_key=True)
    service_point = ForeignKey(references=ServicePoint, index=True)
    serial = Varchar(length=40, unique=True)  # the registry import's key of a meter
    kind = Varchar(length=8, default="main")  # main | sub (garden: not returned to sewage)
    installed_on = Date()
    verification_due = Date()  # legal verification (legalizacja) expires
    digits = SmallInt(default=5)  # whole-m³ digits on the register
    removed_on = Date(null=True, default=None)
    active = Boolean(default=True)
    initial_litres = Integer(default=0)  # register value when installed

