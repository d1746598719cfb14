"""What the resident reads: the notification (per device language) and the e-mail alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.core.clock import WARSAW

KIND = {
    "pl": {"failure": "Awaria", "planned": "Prace planowane", "quality": "Ostrzeżenie o jakości wody"},
    "en": {"failure": "Failure", "planned": "Planned works", "quality": "Water quality warning"},
    "uk": {"failure": "Аварія", "planned": "Планові роботи", "quality": "Попередження щодо якості води"},
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
    "uk": {
        "updated": "Зміна", "closed": "Завершено", "end": "Очікуване завершення: {when}.",
        "start": "Початок: {when}.", "resolved": "Водопостачання відновлено. Дякуємо за терпіння.",
        "water_point": "Резервна вода: {where}.", "no_end": "Час завершення повідомимо незабаром.",
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


MAIL = {
    "pl": ("Dzień dobry,", "Szczegóły: {link}", "Awarie zgłaszamy i wyjaśniamy całodobowo pod numerem {phone}.",
           "Tę wiadomość wysłaliśmy, bo na stronie Awarie w e-BOK włączono powiadomienia e-mail o awariach; "
           "tam też można je wyłączyć."),
    "en": ("Hello,", "Details: {link}", "Our emergency line, day and night: {phone}.",
           "You receive this message because e-mail alerts about outages are switched on on the Outages page "
           "of the e-BOK; you can switch them off there."),
    "uk": ("Добрий день,", "Деталі: {link}", "Про аварії повідомляємо й даємо пояснення цілодобово за номером {phone}.",
           "Ви отримали цей лист, бо на сторінці «Аварії» в e-BOK увімкнено сповіщення про аварії електронною "
           "поштою; там їх також можна вимкнути."),
}


def email(outage: dict[str, Any], reason: str, street: str, link: str, utility: str, phone: str,
          now: datetime, lang: str = "pl") -> tuple[str, str]:
    """(subject, text) in the resident's language; the staff's title and description as written."""
    lang = lang if lang in MAIL else "pl"
    hello, details, emergency, why = MAIL[lang]
    head, body = notification(outage, reason, street, lang, now)
    text = (
        f"{hello}\n\n{body}\n\n"
        + (f"{outage['description']}\n\n" if outage["description"] and reason != "closed" else "")
        + details.format(link=link) + "\n\n" + emergency.format(phone=phone) + "\n\n" + why + "\n\n"
        + utility
    )
    return f"{head} — {utility}", text


SMS = {
    "pl": "{utility}: {head}. {body} Awarie: {phone}",
    "en": "{utility}: {head}. {body} Emergency line: {phone}",
    "uk": "{utility}: {head}. {body} Аварійна служба: {phone}",
}


def sms(outage: dict[str, Any], reason: str, street: str, utility: str, phone: str, now: datetime,
        lang: str = "pl") -> str:
    """The SMS: the notification's title and lines on one line, and the emergency phone (the
    resident has no app to follow a link in: the number is what helps)."""
    lang = lang if lang in SMS else "pl"
    head, body = notification(outage, reason, street, lang, now)
    lines = [line if line.endswith((".", "!", "?")) else line + "." for line in body.split("\n") if line]
    return SMS[lang].format(utility=utility, head=head, body=" ".join(lines), phone=phone)
