"""Shapes of the consents API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from backend.core.types import Id

Kind = Literal["e_invoice", "contact_data", "push_alerts", "email_alerts", "sms_alerts",
               "reminder_push", "reminder_email", "reminder_sms", "notice_push", "notice_email", "notice_sms"]
KINDS: tuple[str, ...] = ("e_invoice", "contact_data", "push_alerts", "email_alerts", "sms_alerts",
                          "reminder_push", "reminder_email", "reminder_sms", "notice_push", "notice_email", "notice_sms")
# the resident's choice, per kind of message, of the channels it comes by (Konto: Powiadomienia);
# each cell is a consent of its own, so every change has its history in the register
MESSAGES: tuple[str, ...] = ("reminder", "notice", "outage")
CHANNELS: tuple[str, ...] = ("push", "email", "sms")
PREFERENCE_KINDS: dict[tuple[str, str], str] = {
    ("reminder", "push"): "reminder_push", ("reminder", "email"): "reminder_email", ("reminder", "sms"): "reminder_sms",
    ("notice", "push"): "notice_push", ("notice", "email"): "notice_email", ("notice", "sms"): "notice_sms",
    ("outage", "push"): "push_alerts", ("outage", "email"): "email_alerts", ("outage", "sms"): "sms_alerts",
}
# what holds while the resident has decided nothing: notices about their own data come by push
# and e-mail; reminders, SMS and alert e-mails only when chosen; outage push is the device's
# subscription (the Awarie page), so "no decision" is not a refusal there
DEFAULT_GIVEN: frozenset[str] = frozenset({"notice_push", "notice_email", "push_alerts"})


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


class ChannelOut(msgspec.Struct):
    channel: str  # push | email | sms
    kind: str  # the consent that records it
    on: bool
    history: list[ConsentEventOut]  # newest first


class MessagePreferenceOut(msgspec.Struct):
    message: str  # reminder | notice | outage
    channels: list[ChannelOut]


class CustomerPreferencesOut(msgspec.Struct):
    customer_id: str
    number: str
    name: str
    messages: list[MessagePreferenceOut]


class PreferencesOut(msgspec.Struct):
    customers: list[CustomerPreferencesOut]


class PreferenceIn(msgspec.Struct, forbid_unknown_fields=True):
    customer_id: Id
    message: Literal["reminder", "notice", "outage"]
    channel: Literal["push", "email", "sms"]
    on: bool
