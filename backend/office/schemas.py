"""Shapes of the office's customer screen (issue 13.5) and of the meter exchange (issue 13.4)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from backend.audit.schemas import AuditEntryOut
from backend.consents.schemas import ConsentOut
from backend.contact.schemas import ThreadOut
from backend.core.types import LINE_PATTERN
from backend.customers.schemas import LastReading
from backend.documents.schemas import StaffDocumentOut
from backend.outages.schemas import SubscriptionOut

Short = Annotated[str, msgspec.Meta(pattern=LINE_PATTERN, max_length=300)]


class MeterRow(msgspec.Struct):
    id: str
    serial: str
    kind: str
    digits: int
    installed_on: str
    verification_due: str
    removed_on: str | None
    active: bool
    initial_litres: int
    last_reading: LastReading | None


class PointRow(msgspec.Struct):
    id: str
    code: str | None
    street: str
    house_number: str
    apartment: str
    postcode: str
    town: str
    ended_on: str | None
    meters: list[MeterRow]  # the active ones first, then those taken off (newest first)


class AccountRow(msgspec.Struct):
    id: str
    email: str
    active: bool
    devices: list[SubscriptionOut]  # devices subscribed to outage alerts


class PaymentDocumentRow(msgspec.Struct):
    id: str
    number: str
    kind: str
    issue_date: str
    due_date: str
    gross_grosze: int
    remaining_grosze: int


class CustomerScreenOut(msgspec.Struct):
    id: str
    number: str
    name: str
    email: str
    phone: str
    street: str
    house_number: str
    postcode: str
    town: str
    billing_period_months: int
    ended_on: str | None
    balance_grosze: int
    overdue_grosze: int
    points: list[PointRow]
    payment_documents: list[PaymentDocumentRow]
    documents: list[StaffDocumentOut]
    threads: list[ThreadOut]
    consents: list[ConsentOut]
    accounts: list[AccountRow]
    trail: list[AuditEntryOut]


class ContactIn(msgspec.Struct, forbid_unknown_fields=True):
    """The contact data and correspondence address as the office corrects them."""

    email: Short
    phone: Short
    street: Short
    house_number: Short
    postcode: Short
    town: Short


class ExchangeIn(msgspec.Struct, forbid_unknown_fields=True):
    """Meter `meter_id` leaves its service point on `day` (YYYY-MM-DD) showing `final_reading` m³;
    meter `serial` is installed there that day showing `initial_reading` m³."""

    meter_id: Short
    day: Short
    final_reading: Short
    serial: Short
    initial_reading: Short
    verification_due: Short
    digits: int = 5
    kind: Short = ""  # main | sub; empty: the kind of the meter it replaces


class ExchangeOut(msgspec.Struct):
    meter_id: str  # the new meter
    final_reading_id: str
