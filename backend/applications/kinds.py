"""The kinds of application (wniosek) a resident files online, the fields each must carry, and the
deadline the law or the utility's regulations give the office to answer. Pure rules, no I/O.

Connection conditions (warunki przyłączenia): art. 19a of the act on collective water supply and
sewage disposal (ustawa z 7 czerwca 2001 r.) — the application carries at least the applicant's name
and address, the property to connect, its purpose and use, what is to be connected, the daily water
demand with its purpose, the amount and kind of sewage and the planned start (ust. 4), with a site
plan attached (ust. 5); the utility answers within 21 days for a single-family house and 45 days
otherwise, may extend once by as many days with a reason, and confirms the filing and its date in
writing. Complaints: the regulations' deadline (EBOK_COMPLAINT_DAYS, 14 by default). The rest:
EBOK_APPLICATION_DAYS (30 by default, the general deadline of the utility's regulations)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

KINDS = ("connection_conditions", "complaint", "customer_change", "contract_end", "meter_check")
OPEN = ("filed", "extended")  # the office still has to answer
STATUSES = (*OPEN, "answered", "closed")

_DECIMAL = re.compile(r"\d{1,7}(?:[.,]\d{1,3})?", re.ASCII)  # m³ (per day), e.g. 1,5
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "line"  # line | text | choice | date | decimal
    required: bool = True
    choices: tuple[str, ...] = ()

    @property
    def limit(self) -> int:
        return 2000 if self.type == "text" else 200


SPECS: dict[str, tuple[Field, ...]] = {
    "connection_conditions": (
        Field("applicant_name"), Field("applicant_address"),
        Field("property_address"), Field("plot_number", required=False),
        Field("building", "choice", choices=("single_family", "multi_family", "other")),
        Field("property_use", "text"),
        Field("connection", "choice", choices=("water", "sewage", "both")),
        Field("water_demand", "decimal", required=False), Field("water_purpose", required=False),
        Field("sewage_amount", "decimal", required=False),
        Field("sewage_kind", "choice", required=False, choices=("domestic", "industrial")),
        Field("planned_start", "date", required=False),
    ),
    "complaint": (
        Field("subject", "choice", choices=("invoice", "reading", "other")),
        Field("reference", required=False),  # the invoice number or the meter's serial
        Field("description", "text"),
    ),
    "customer_change": (
        Field("change", "choice", choices=("move_out", "move_in")), Field("date", "date"),
        Field("meter_serial"), Field("final_reading", "decimal"),
        Field("other_party_name"), Field("other_party_address", required=False),
        Field("notes", "text", required=False),
    ),
    "contract_end": (
        Field("end_date", "date"), Field("meter_serial"), Field("final_reading", "decimal"),
        Field("correspondence_address"), Field("notes", "text", required=False),
    ),
    "meter_check": (Field("meter_serial"), Field("reason", "text")),
}

# a site plan (plan zabudowy lub szkic sytuacyjny) must come with connection conditions (art. 19a ust. 5)
NEEDS_ATTACHMENT = {"connection_conditions"}


class Invalid(Exception):
    def __init__(self, code: str, field: str) -> None:
        super().__init__(f"{field}: {code}")
        self.code, self.field = code, field


def _control_free(value: str, multiline: bool) -> bool:
    allowed = {"\t", "\n", "\r"} if multiline else set()
    return not any((ord(c) < 32 and c not in allowed) or 0x7F <= ord(c) < 0xA0 for c in value)


def clean(kind: str, raw: Any) -> dict[str, str]:
    """The kind's fields as filed, stripped; raises Invalid(code, field) for the first wrong one."""
    if kind not in SPECS:
        raise Invalid("invalid_request", "kind")
    if not isinstance(raw, dict):
        raise Invalid("invalid_request", "fields")
    unknown = set(raw) - {f.name for f in SPECS[kind]}
    if unknown:
        raise Invalid("invalid_request", sorted(unknown)[0])
    out: dict[str, str] = {}
    for f in SPECS[kind]:
        value = raw.get(f.name, "")
        if not isinstance(value, str):
            raise Invalid("invalid_request", f.name)
        value = value.strip()
        if not value:
            if f.required:
                raise Invalid("field_required", f.name)
            continue
        if len(value) > f.limit or not _control_free(value, f.type == "text"):
            raise Invalid("invalid_request", f.name)
        if f.type == "choice" and value not in f.choices:
            raise Invalid("invalid_request", f.name)
        if f.type == "decimal" and not _DECIMAL.fullmatch(value):
            raise Invalid("invalid_number", f.name)
        if f.type == "date":
            try:
                if not _DATE.fullmatch(value):
                    raise ValueError
                date.fromisoformat(value)
            except ValueError:
                raise Invalid("invalid_date", f.name) from None
        out[f.name] = value
    if kind == "connection_conditions":
        if out["connection"] in ("water", "both"):
            for name in ("water_demand", "water_purpose"):
                if name not in out:
                    raise Invalid("field_required", name)
        if out["connection"] in ("sewage", "both"):
            for name in ("sewage_amount", "sewage_kind"):
                if name not in out:
                    raise Invalid("field_required", name)
    return out


def answer_days(kind: str, fields: dict[str, str], complaint_days: int, application_days: int) -> int:
    """Days the office has to answer, from the day of filing (and again once when it extends)."""
    if kind == "connection_conditions":
        return 21 if fields.get("building") == "single_family" else 45
    if kind == "complaint":
        return complaint_days
    return application_days


def due_on(filed_day: date, days: int) -> date:
    """The last day to answer: the day of filing is not counted (art. 111 § 2 of the civil code)."""
    return filed_day + timedelta(days=days)


def days_left(due: date, today: date) -> int:
    """0 on the last day, negative once overdue."""
    return (due - today).days
