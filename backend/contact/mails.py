"""E-mails of the contact domain (plain text). A resident is only told that a reply is waiting:
the content stays in the e-BOK, as it may be personal. The office's own mailbox gets the message."""

from __future__ import annotations

CATEGORY_NAMES = {
    "pl": {"question": "Pytanie", "complaint": "Reklamacja", "meter_problem": "Problem z wodomierzem",
           "data_change": "Zmiana danych", "outage_report": "Zgłoszenie awarii"},
    "en": {"question": "Question", "complaint": "Complaint", "meter_problem": "Meter problem",
           "data_change": "Data change", "outage_report": "Outage report"},
    "uk": {"question": "Запитання", "complaint": "Скарга", "meter_problem": "Проблема з водоміром",
           "data_change": "Зміна даних", "outage_report": "Повідомлення про аварію"},
}

OFFICE = (
    "[e-BOK] {category}: {subject} (klient {number})",
    "Nowa wiadomość w e-BOK.\n\n"
    "Klient: {number} — {customer}\n"
    "Nadawca: {author} <{email}>\n"
    "Kategoria: {category}\n"
    "Temat: {subject}\n"
    "Załączniki: {attachments}\n\n"
    "{body}\n\n"
    "Odpowiedz w e-BOK (odpowiedź zobaczy klient): {link}\n",
)

REPLY = {
    "pl": (
        "Odpowiedź czeka na Ciebie w e-BOK {utility}",
        "Dzień dobry,\n\nBiuro Obsługi Klienta odpowiedziało na Twoją wiadomość w e-BOK.\n"
        "Ze względu na ochronę danych treść odpowiedzi jest dostępna tylko po zalogowaniu:\n{link}\n\n{utility}",
    ),
    "en": (
        "A reply is waiting for you in the {utility} e-BOK",
        "Hello,\n\nthe customer office has replied to your message in the e-BOK.\n"
        "To protect your data the reply can only be read after logging in:\n{link}\n\n{utility}",
    ),
    "uk": (
        "На Вас чекає відповідь в e-BOK {utility}",
        "Добрий день,\n\nБюро обслуговування клієнтів відповіло на Ваше повідомлення в e-BOK.\n"
        "З міркувань захисту даних текст відповіді доступний лише після входу:\n{link}\n\n{utility}",
    ),
}


def office_mail(**params: object) -> tuple[str, str]:
    subject, body = OFFICE
    return subject.format(**params)[:250], body.format(**params)


def reply_mail(language: str, **params: object) -> tuple[str, str]:
    subject, body = REPLY.get(language) or REPLY["pl"]
    return subject.format(**params), body.format(**params)
