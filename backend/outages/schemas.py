"""Request and response shapes of outages and push subscriptions."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from backend.core.types import Id, Line, Text

Kind = Literal["failure", "planned", "quality"]
Parity = Literal["all", "odd", "even"]
Text120 = Annotated[Line, msgspec.Meta(min_length=1, max_length=120)]
HouseNumber = Annotated[int, msgspec.Meta(ge=1, le=100000)]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


class StreetRule(Strict):
    street: Text120
    from_number: HouseNumber | None = None
    to_number: HouseNumber | None = None
    parity: Parity = "all"


class AreaIn(Strict):
    town: Annotated[Line, msgspec.Meta(min_length=1, max_length=80)]
    streets: Annotated[list[StreetRule], msgspec.Meta(max_length=200)] = []
    service_point_ids: Annotated[list[Id], msgspec.Meta(max_length=2000)] = []


class OutageIn(Strict):
    kind: Kind
    title: Text120
    starts_at: Annotated[Line, msgspec.Meta(max_length=40)]  # ISO 8601 with offset
    area: AreaIn
    description: Annotated[Text, msgspec.Meta(max_length=4000)] = ""
    expected_end: Annotated[Line, msgspec.Meta(max_length=40)] | None = None
    water_point: Annotated[Line, msgspec.Meta(max_length=300)] = ""


class OutageUpdateIn(OutageIn):
    notify: bool = True  # a published outage: send the change to the devices (replaces the alert)


class StreetRuleOut(msgspec.Struct):
    street: str
    from_number: int | None
    to_number: int | None
    parity: str


class OutageOut(msgspec.Struct):
    id: str
    kind: str
    status: str  # draft | published | closed
    title: str
    description: str
    starts_at: str
    expected_end: str | None
    water_point: str
    town: str
    streets: list[StreetRuleOut]
    service_point_count: int  # chosen one by one (addresses are not public)
    area_summary: str
    published_at: str | None
    closed_at: str | None
    updated_at: str
    mine: bool  # affects one of the logged-in resident's service points
    my_addresses: list[str]


class OutageListOut(msgspec.Struct):
    outages: list[OutageOut]
    towns: list[str]


class StaffOutageOut(OutageOut):
    service_point_ids: list[str]
    version: int
    deliveries: dict[str, int]  # push delivery rows by status, all publications
    emails: int


class AreaPreviewOut(msgspec.Struct):
    service_points: int
    customers: int
    devices: int
    email_recipients: int


class StreetOut(msgspec.Struct):
    street: str
    points: int


class PointOut(msgspec.Struct):
    """A service point the office can add to an outage by its address (the form never asks for ids)."""

    id: str
    address: str
    customer_number: str


class DashboardOutage(msgspec.Struct):
    id: str
    kind: str
    title: str
    street: str
    expected_end: str | None


# --- push subscriptions ----------------------------------------------------------------------


class PushKeysIn(Strict):
    p256dh: Annotated[Line, msgspec.Meta(min_length=80, max_length=100)]
    auth: Annotated[Line, msgspec.Meta(min_length=16, max_length=40)]


class SubscriptionIn(Strict):
    """The browser's PushSubscription.toJSON(), plus the service points chosen on this device."""

    endpoint: Annotated[Line, msgspec.Meta(min_length=10, max_length=1000)]
    keys: PushKeysIn
    expirationTime: int | float | None = None  # the browser's own field name
    service_point_ids: list[Id] | None = None  # None: all of the user's, now and later
    old_endpoint: Annotated[Line, msgspec.Meta(max_length=1000)] | None = None  # pushsubscriptionchange
    language: Literal["pl", "en", "uk"] = "pl"  # the device's PWA language: its alerts' words


class SubscriptionOut(msgspec.Struct):
    id: str
    endpoint: str
    push_service: str  # the endpoint's host, to tell devices apart
    user_agent: str
    all_points: bool
    service_point_ids: list[str]
    created_at: str
    last_sent_at: str | None


class PushKeyOut(msgspec.Struct):
    public_key: str


class EmailAlertsIn(Strict):
    enabled: bool


class EmailAlertsOut(msgspec.Struct):
    enabled: bool
    email: str


class SmsPreviewOut(msgspec.Struct):
    """What an outage's next alert sends by SMS (the office sees it before publishing)."""

    recipients: int  # customers with the SMS consent and a mobile number, none of whose devices gets the push
    parts: int  # SMS parts in all, as the gateway counts them
    text: str  # the Polish message as it will go out
    encoding: str  # gsm | ucs2
    characters: int
    parts_each: int
    month: str  # YYYY-MM (Warsaw)
    month_parts_sent: int
    month_limit: int  # 0: no limit
    month_held: int  # messages of this month not sent because the limit was reached
    over_limit: bool  # sending all of them would pass the month's limit
