"""Shapes of the consents API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

Kind = Literal["e_invoice", "contact_data", "push_alerts", "email_alerts"]
KINDS: tuple[str, ...] = ("e_invoice", "contact_data", "push_alerts", "email_alerts")


class ConsentEventOut(msgspec.Struct):
    action: str  # given | withdrawn
    at: str
    channel: str  # portal | office | registration
    by_staff: bool


class ConsentOut(msgspec.Struct):
    kind: str
    given: bool
    given_at: str | None  # when the current consent was given
    withdrawn_at: str | None  # when it was last withdrawn (if it is withdrawn now)
    history: list[ConsentEventOut]  # newest first


class CustomerConsentsOut(msgspec.Struct):
    customer_id: str
    number: str
    name: str
    consents: list[ConsentOut]


class ConsentIn(msgspec.Struct, forbid_unknown_fields=True):
    given: bool


class ConsentDecision(msgspec.Struct, frozen=True):
    """One decision as other domains read it (billing shows the e-Faktura history with its address)."""

    given: bool
    email: str
    at: datetime
