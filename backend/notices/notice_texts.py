"""What the resident reads in a notice about their own data, in their language (pl, en, uk; pl for
any other). `data` is the event's (backend/core/notify.py): amounts in grosze, days as ISO dates,
instants as ISO 8601."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from backend.core.clock import WARSAW

WORDS: dict[str, dict[str, str]] = {
    "pl": {
        "reading_rejected.title": "Odczyt nie został przyjęty",
        "reading_rejected.body": "Odczyt {value} m³ z {day} (licznik {serial}) nie został przyjęty. Uwagi biura: {note}",
        "reading_corrected.title": "Inkasent skorygował odczyt",
        "reading_corrected.body": "Inkasent sprawdził licznik {serial}: zamiast {value} m³ z {day} liczymy {found} m³.",
        "invoice.title": "Nowa faktura {number}",
        "invoice.body": "Faktura {number} na {amount} jest w e-BOK, w Rozliczeniach. Termin płatności: {due}.",
        "correction.title": "Faktura korygująca {number}",
        "correction.body": "Korekta {number} ({amount}) jest w e-BOK, w Rozliczeniach.",
        "reminder.title": "Upomnienie {number}",
        "reminder.body": "Nie otrzymaliśmy zapłaty {owed}. Upomnienie {number} jest w e-BOK; zapłać do {due}.",
        "payment.title": "Wpłata zaksięgowana",
        "payment.body": "Zaksięgowaliśmy wpłatę {amount} z {day}. Dziękujemy!",
        "outage_extended.title": "Awaria potrwa dłużej",
        "outage_extended.body": "{title}: przewidywany koniec przesunięto na {end}.",
        "outage_ended.title": "Koniec przerwy w dostawie wody",
        "outage_ended.body": "{title}: zakończone. Dziękujemy za cierpliwość.",
        "mail": "Dzień dobry,\n\n{body}\n\nSzczegóły w e-BOK: {link}\n\n"
                "Tę wiadomość wysłaliśmy, bo w e-BOK (Konto, Powiadomienia) włączone są powiadomienia e-mailem; "
                "tam też można je wyłączyć.\n\n{utility}",
        "sms": "{utility}: {body} {link}",
        # shown instead on a device where the account is not logged in (a shared or handed-on phone)
        "locked.title": "e-BOK: nowe powiadomienie",
        "locked.body": "Zaloguj się w e-BOK, aby je przeczytać.",
    },
    "en": {
        "reading_rejected.title": "Your reading was not accepted",
        "reading_rejected.body": "The reading of {value} m³ from {day} (meter {serial}) was not accepted. "
                                 "The office's note: {note}",
        "reading_corrected.title": "An inspector corrected your reading",
        "reading_corrected.body": "An inspector checked meter {serial}: instead of {value} m³ from {day} we count "
                                  "{found} m³.",
        "invoice.title": "New invoice {number}",
        "invoice.body": "Invoice {number} for {amount} is in e-BOK, under Settlements. Due date: {due}.",
        "correction.title": "Corrective invoice {number}",
        "correction.body": "Correction {number} ({amount}) is in e-BOK, under Settlements.",
        "reminder.title": "Payment reminder {number}",
        "reminder.body": "We have not received {owed}. Reminder {number} is in e-BOK; please pay by {due}.",
        "payment.title": "Payment booked",
        "payment.body": "We booked your payment of {amount} from {day}. Thank you!",
        "outage_extended.title": "The outage will last longer",
        "outage_extended.body": "{title}: the expected end has moved to {end}.",
        "outage_ended.title": "Water supply restored",
        "outage_ended.body": "{title}: finished. Thank you for your patience.",
        "mail": "Hello,\n\n{body}\n\nDetails in e-BOK: {link}\n\n"
                "You receive this message because notices by e-mail are on in the e-BOK (Account, Notifications); "
                "you can switch them off there.\n\n{utility}",
        "sms": "{utility}: {body} {link}",
        "locked.title": "e-BOK: new notification",
        "locked.body": "Log in to e-BOK to read it.",
    },
    "uk": {
        "reading_rejected.title": "Показання не прийнято",
        "reading_rejected.body": "Показання {value} м³ від {day} (лічильник {serial}) не прийнято. "
                                 "Примітка офісу: {note}",
        "reading_corrected.title": "Контролер виправив показання",
        "reading_corrected.body": "Контролер перевірив лічильник {serial}: замість {value} м³ від {day} ми рахуємо "
                                  "{found} м³.",
        "invoice.title": "Новий рахунок {number}",
        "invoice.body": "Рахунок {number} на {amount} є в e-BOK, у розділі «Розрахунки». Термін оплати: {due}.",
        "correction.title": "Коригувальний рахунок {number}",
        "correction.body": "Коригування {number} ({amount}) є в e-BOK, у розділі «Розрахунки».",
        "reminder.title": "Нагадування про оплату {number}",
        "reminder.body": "Ми не отримали оплату {owed}. Нагадування {number} є в e-BOK; сплатіть до {due}.",
        "payment.title": "Оплату зараховано",
        "payment.body": "Ми зарахували вашу оплату {amount} від {day}. Дякуємо!",
        "outage_extended.title": "Аварія триватиме довше",
        "outage_extended.body": "{title}: очікуване завершення перенесено на {end}.",
        "outage_ended.title": "Подачу води відновлено",
        "outage_ended.body": "{title}: завершено. Дякуємо за терпіння.",
        "mail": "Добрий день,\n\n{body}\n\nДеталі в e-BOK: {link}\n\n"
                "Ви отримали цей лист, бо в e-BOK (Обліковий запис, Сповіщення) увімкнено сповіщення електронною "
                "поштою; там їх можна вимкнути.\n\n{utility}",
        "sms": "{utility}: {body} {link}",
        "locked.title": "e-BOK: нове сповіщення",
        "locked.body": "Увійдіть до e-BOK, щоб його прочитати.",
    },
}


def _words(lang: str) -> dict[str, str]:
    return WORDS[lang if lang in WORDS else "pl"]


def _day(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%d.%m.%Y") if value else ""


def _moment(value: str | None) -> str:
    return datetime.fromisoformat(value).astimezone(WARSAW).strftime("%d.%m.%Y %H:%M") if value else ""


def _m3(litres: Any) -> str:
    return "" if litres is None else f"{int(litres) / 1000:.3f}".replace(".", ",")


def money(grosze: Any, lang: str) -> str:
    g = int(grosze or 0)
    sign, g = ("-" if g < 0 else ""), abs(g)
    if lang == "en":
        return f"PLN {sign}{g // 100:,}.{g % 100:02d}"
    return f"{sign}{g // 100:,}".replace(",", "\u00a0") + f",{g % 100:02d} zł"


def notice(kind: str, data: dict[str, Any], lang: str) -> tuple[str, str]:
    """(title, body) of a notice."""
    words = _words(lang)
    values = {
        "value": _m3(data.get("value_litres")), "found": _m3(data.get("found_litres")),
        "day": _day(data.get("day")), "serial": data.get("serial", ""), "note": data.get("note", ""),
        "number": data.get("number", ""), "amount": money(data.get("amount_grosze"), lang),
        "owed": money(data.get("owed_grosze"), lang), "due": _day(data.get("due_date")),
        "title": data.get("title", ""), "end": _moment(data.get("expected_end")),
    }
    return words[f"{kind}.title"].format(**values), words[f"{kind}.body"].format(**values)


def locked(lang: str) -> tuple[str, str]:
    """A notice as a device shows it while its account is not logged in there: nothing of the content."""
    w = _words(lang)
    return w["locked.title"], w["locked.body"]


def mail(kind: str, data: dict[str, Any], link: str, utility: str, lang: str) -> tuple[str, str]:
    title, body = notice(kind, data, lang)
    return f"{title} — {utility}", _words(lang)["mail"].format(body=body, link=link, utility=utility)


def sms(kind: str, data: dict[str, Any], link: str, utility: str, lang: str) -> str:
    _, body = notice(kind, data, lang)
    return _words(lang)["sms"].format(utility=utility, body=body, link=link)
