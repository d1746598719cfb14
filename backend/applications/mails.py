"""E-mails of applications (plain text). The resident gets the filing confirmation with its PDF, and
is told when the office extends the deadline or answers — the content stays in the e-BOK, as for
contact replies. The office's mailbox is told of every new application."""

from __future__ import annotations

KIND_NAMES = {
    "pl": {"connection_conditions": "Wniosek o wydanie warunków przyłączenia", "complaint": "Reklamacja",
           "customer_change": "Zmiana odbiorcy", "contract_end": "Rozwiązanie umowy",
           "meter_check": "Ekspertyza wodomierza"},
    "en": {"connection_conditions": "Application for connection conditions", "complaint": "Complaint",
           "customer_change": "Change of customer", "contract_end": "Ending the contract",
           "meter_check": "Meter check"},
    "uk": {"connection_conditions": "Заява про видачу технічних умов підключення", "complaint": "Скарга",
           "customer_change": "Зміна абонента", "contract_end": "Розірвання договору",
           "meter_check": "Експертиза водоміра"},
}

FILED = {
    "pl": ("Potwierdzenie złożenia wniosku {number}",
           "Dzień dobry,\n\npotwierdzamy złożenie wniosku „{kind}” nr {number} w dniu {day}.\n"
           "Odpowiemy do {due}. Potwierdzenie w załączniku; wniosek i odpowiedź znajdziesz w e-BOK:\n{link}\n\n"
           "{utility}"),
    "en": ("Confirmation of application {number}",
           "Hello,\n\nwe confirm that application \"{kind}\" no. {number} was filed on {day}.\n"
           "We will answer by {due}. The confirmation is attached; the application and our answer are in the "
           "e-BOK:\n{link}\n\n{utility}"),
    "uk": ("Підтвердження подання заяви {number}",
           "Добрий день,\n\nпідтверджуємо, що заяву «{kind}» № {number} подано {day}.\n"
           "Ми відповімо до {due}. Підтвердження — у вкладенні; заяву та відповідь Ви знайдете в e-BOK:\n{link}\n\n"
           "{utility}"),
}

CHANGED = {
    "pl": ("Zmiana w sprawie wniosku {number}",
           "Dzień dobry,\n\n{what}\nZe względu na ochronę danych szczegóły są dostępne po zalogowaniu:\n{link}\n\n"
           "{utility}"),
    "en": ("Update on application {number}",
           "Hello,\n\n{what}\nTo protect your data the details can only be read after logging in:\n{link}\n\n{utility}"),
    "uk": ("Зміни щодо заяви {number}",
           "Добрий день,\n\n{what}\nЗ міркувань захисту даних подробиці доступні лише після входу:\n{link}\n\n"
           "{utility}"),
}

WHAT = {
    "pl": {"extended": "Termin odpowiedzi na wniosek nr {number} został przedłużony do {due}.",
           "answered": "Biuro Obsługi Klienta odpowiedziało na wniosek nr {number}."},
    "en": {"extended": "The deadline to answer application no. {number} has been extended to {due}.",
           "answered": "The customer office has answered application no. {number}."},
    "uk": {"extended": "Термін відповіді на заяву № {number} продовжено до {due}.",
           "answered": "Бюро обслуговування клієнтів відповіло на заяву № {number}."},
}

OFFICE = ("[e-BOK] {kind} {number} (klient {customer}), termin {due}",
          "Nowy wniosek w e-BOK: {kind} nr {number}.\nKlient: {customer}\nTermin odpowiedzi: {due}\n\n"
          "Kolejka wniosków: {link}\n")


def _lang(language: str) -> str:
    return language if language in FILED else "pl"


def filed_mail(language: str, **params: str) -> tuple[str, str]:
    lang = _lang(language)
    subject, body = FILED[lang]
    params = {**params, "kind": KIND_NAMES[lang][params["kind"]]}
    return subject.format(**params), body.format(**params)


def changed_mail(language: str, change: str, **params: str) -> tuple[str, str]:
    lang = _lang(language)
    subject, body = CHANGED[lang]
    return subject.format(**params), body.format(**params, what=WHAT[lang][change].format(**params))


def office_mail(**params: str) -> tuple[str, str]:
    params = {**params, "kind": KIND_NAMES["pl"][params["kind"]]}
    return OFFICE[0].format(**params)[:250], OFFICE[1].format(**params)
