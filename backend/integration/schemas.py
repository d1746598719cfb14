"""What the integration API answers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec

from backend.core.types import LINE_PATTERN, TEXT_PATTERN, Line


class FeedEntry(msgspec.Struct):
    seq: int  # the feed's order; the cursor carries it, opaquely
    event: str  # received | status_changed
    reading_id: str
    customer_number: str
    service_point_id: str
    point_code: str | None  # the service point's code in the billing system (registry import), if any
    meter_serial: str
    value_litres: int
    value_m3: float
    captured_at: str
    received_at: str
    source: str  # resident | inspector | estimate | import
    status: str  # accepted | flagged | rejected, as of this entry
    verification: str  # confirmed | corrected by an inspector's visit | "" (not verified)
    flags: list[str]  # plausibility flags
    photo_url: str | None = None  # a signed link to the photo, valid EBOK_PHOTO_LINK_DAYS days; None: no photo


class FeedPage(msgspec.Struct):
    readings: list[FeedEntry]
    next_cursor: str  # send it back as ?cursor=; the same when nothing new arrived


class TokenInfo(msgspec.Struct):
    name: str
    scopes: list[str]
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class WebhookIn(msgspec.Struct):
    url: Annotated[Line, msgspec.Meta(max_length=500)]
    events: Annotated[list[Line], msgspec.Meta(max_length=10)]
    description: Annotated[Line, msgspec.Meta(max_length=200)] = ""


Cell = Line | int | float | None  # a cell as the file import reads it: one line of text, or a number


class RegistryIn(msgspec.Struct, forbid_unknown_fields=True):
    # one row per meter, keyed by the registry import's columns (README, "Registry import")
    rows: Annotated[list[dict[Line, Cell]], msgspec.Meta(min_length=1, max_length=10_000)]
    dry_run: bool = False  # true: only the plan (or the errors), nothing written


class FieldChange(msgspec.Struct):
    before: Any
    after: Any


class RegistryChange(msgspec.Struct):
    kind: str  # customer | point | meter
    key: str  # customer number, point code or meter serial
    fields: dict[str, FieldChange]


class RegistryConflict(msgspec.Struct):
    """A contact field a resident or the office changed in e-BOK after the billing system last sent
    it: e-BOK's value is kept and the billing system's not written (README, "Registry import")."""

    customer_number: str
    field: str
    ebok: Any  # kept
    given: Any  # not written
    changed_in_ebok_at: str


class RegistryPlanOut(msgspec.Struct):
    dry_run: bool
    applied: bool  # written (false for a dry run and when nothing changes)
    unchanged: bool  # the registry already matches the rows
    add: dict[str, list[str]]  # customer | point | meter -> keys to add
    change: list[RegistryChange]
    conflicts: list[RegistryConflict] = []


PatchText = Annotated[str, msgspec.Meta(max_length=300, pattern=LINE_PATTERN)]  # the file's lengths are its rules
PatchCell = PatchText | int | float  # as in the rows of POST /registry: text or a number


class CustomerPatch(msgspec.Struct, forbid_unknown_fields=True):
    """A customer's registry fields by the file import's column names; absent or null: unchanged.
    An empty email or phone keeps e-BOK's, as in the file import."""

    name: PatchText | None = None
    email: PatchText | None = None
    phone: PatchText | None = None
    street: PatchText | None = None
    house_number: PatchText | None = None
    postcode: PatchText | None = None
    town: PatchText | None = None
    billing_period_months: PatchCell | None = None


class MeterPatch(msgspec.Struct, forbid_unknown_fields=True):
    """A meter's registry fields by the file import's column names; absent or null: unchanged.
    `removed_on` (with `final_reading`) takes the meter off its point as a file row does."""

    meter_kind: PatchText | None = None
    meter_digits: PatchCell | None = None
    installed_on: PatchText | None = None
    verification_due: PatchText | None = None
    initial_reading: PatchCell | None = None
    removed_on: PatchText | None = None
    final_reading: PatchCell | None = None


Number = Annotated[str, msgspec.Meta(min_length=1, max_length=24, pattern=LINE_PATTERN)]
CustomerNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=LINE_PATTERN)]
PDF_BASE64_MAX = 14 * 1024 * 1024  # 10 MB as base64, with room; the size rule itself is on the bytes


class DocumentIn(msgspec.Struct, forbid_unknown_fields=True):
    number: Number  # the billing system's document number (unique, e.g. FV/2026/11/00042)
    kind: Literal["invoice", "correction", "reminder"]
    customer_number: CustomerNumber
    issue_date: date
    due_date: date
    gross_grosze: int  # what the resident pays (a correction: the difference, negative when it lowers)
    # no control characters at the edge; whether it is base64 (and a PDF) is checked per item: pdf_invalid
    pdf_base64: Annotated[str, msgspec.Meta(min_length=1, max_length=PDF_BASE64_MAX, pattern=TEXT_PATTERN)]
    net_grosze: int | None = None
    vat_grosze: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    refers_to: Annotated[str, msgspec.Meta(max_length=24, pattern=LINE_PATTERN)] = ""  # correction: the invoice
    reminds: Annotated[list[Number], msgspec.Meta(max_length=100)] = []  # reminder: the invoices it demands
    reason: Annotated[str, msgspec.Meta(max_length=300, pattern=LINE_PATTERN)] = ""


class DocumentsIn(msgspec.Struct, forbid_unknown_fields=True):
    documents: Annotated[list[DocumentIn], msgspec.Meta(min_length=1, max_length=50)]


class DocumentsOut(msgspec.Struct):
    added: list[str]  # numbers written
    unchanged: list[str]  # numbers sent before with the same values and PDF


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    external_id: Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=LINE_PATTERN)]
    customer_number: CustomerNumber
    amount_grosze: int
    booked_on: date
    title: Annotated[str, msgspec.Meta(max_length=300, pattern=LINE_PATTERN)] = ""
    payer: Annotated[str, msgspec.Meta(max_length=200, pattern=LINE_PATTERN)] = ""


class PaymentsIn(msgspec.Struct, forbid_unknown_fields=True):
    payments: Annotated[list[PaymentIn], msgspec.Meta(min_length=1, max_length=1000)]


class PaymentsOut(msgspec.Struct):
    recorded: list[str]  # external ids recorded now
    duplicates: list[str]  # external ids known already: nothing done (never a second payment)


class PaymentEntry(msgspec.Struct):
    seq: int
    external_id: str  # e-BOK's id of the payment; send it back as a payment's external_id and it is a no-op
    customer_number: str
    amount_grosze: int
    booked_on: str
    paid_at: str
    source: str  # gateway: paid online in e-BOK
    title: str
    documents: list[str]  # the document numbers it settled


class PaymentPage(msgspec.Struct):
    payments: list[PaymentEntry]
    next_cursor: str


class OwnTokenIn(msgspec.Struct):
    name: Annotated[Line, msgspec.Meta(max_length=100)]


class OwnTokenOut(msgspec.Struct):
    id: str
    name: str
    created_at: str | None
    last_used_at: str | None


class OwnTokenCreated(msgspec.Struct):
    token: OwnTokenOut
    secret: str  # the bearer token itself: shown in this answer only


class OwnReading(msgspec.Struct):
    value_litres: int
    value_m3: float
    captured_at: str
    source: str
    status: str


class OwnMeter(msgspec.Struct):
    meter_id: str
    customer_number: str
    serial: str
    kind: str
    address: str
    last_reading: OwnReading | None
    avg_daily_litres: float | None


class OwnReadings(msgspec.Struct):
    meters: list[OwnMeter]


class OwnBalance(msgspec.Struct):
    total_grosze: int  # positive: owed to the utility; negative: overpaid
    overdue_grosze: int
    total_pln: float
