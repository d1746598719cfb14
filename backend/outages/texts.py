"""What the resident reads: the notification (per device language) and the e-mail alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")

KIND = {
    "pl": {"failure": "Awaria", "planned": "Prace planowane", "quality": "Ostrzeżenie o jakości wody"},
    "en": {"failure": "Failure", "planned": "Planned works", "quality": "Water quality warning"},
}
WORDS = {
    "pl": {
        "updated": "Zmiana", "closed": "Zakończono", "end": "Przewidywane zakończenie: {when}.",
        "start": "Początek: {when}.", "resolved": "Dostawa wody przywrócona. Dziękujemy za cierpliwość.",
        "water_point": "Woda zastępcza: {where}.", "no_end": "Czas zakończenia podamy wkrótce.",
    },
    "en": {
        "updated": "Update", "closed": "Over", "end": "Expected end: {when}.", "start": "Starts: {when}.",
        "resolved": "Water supply is back. Thank you for your patience.",
        "water_point": "Replacement water: {where}.", "no_end": "We will give the expected end soon.",
    },
}


def when(value: datetime | None) -> str:
    return value.astimezone(WARSAW).strftime("%d.%m.%Y %H:%M") if value else ""


def notification(outage: dict[str, Any], reason: str, street: str, lang: str, now: datetime) -> tuple[str, str]:
    """(title, body) of the notification; an update or the all-clear replaces the first one."""
    lang = lang if lang in KIND else "pl"
    words, kind = WORDS[lang], KIND[lang][outage["kind"]]
    head = f"{kind}: {street}" if street else kind
    if reason == "updated":
        head = f"{words['updated']} — {head}"
    elif reason == "closed":
        head = f"{words['closed']} — {head}"
    lines = [outage["title"]]
    if reason == "closed":
        lines.append(words["resolved"])
    else:
        if outage["starts_at"] > now:
            lines.append(words["start"].format(when=when(outage["starts_at"])))
        lines.append(words["end"].format(when=when(outage["expected_end"])) if outage["expected_end"]
                     else words["no_end"])
        if outage["water_point"]:
            lines.append(words["water_point"].format(where=outage["water_point"]))
    return head, "\n".join(lines)


def email(outage: dict[str, Any], reason: str, street: str, link: str, utility: str, phone: str,
          now: datetime) -> tuple[str, str]:
    head, body = notification(outage, reason, street, "pl", now)
    text = (
        f"Dzień dobry,\n\n{body}\n\n"
        + (f"{outage['description']}\n\n" if outage["description"] and reason != "closed" else "")
        + f"Szczegóły: {link}\n\n"
        f"Awarie zgłaszamy i wyjaśniamy całodobowo pod numerem {phone}.\n\n"
        "Tę wiadomość wysłaliśmy, bo na stronie Awarie w e-BOK włączono powiadomienia e-mail o awariach; "
        "tam też można je wyłączyć.\n\n"
        f"{utility}"
    )
    return f"{head} — {utility}", text
