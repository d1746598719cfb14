"""What the resident reads in a reminder, in their language."""

from __future__ import annotations

from datetime import date

WORDS = {
    "pl": {
        "title.open": "Czas na odczyt wodomierza",
        "title.closing": "Zostały 2 dni na odczyt wodomierza",
        "body.open": "{street}: podaj odczyt do {closes}. Wystarczy zdjęcie licznika.",
        "body.closing": "{street}: nie mamy jeszcze Twojego odczytu. Podaj go do {closes}.",
        "mail": "Dzień dobry,\n\n{body}\n\nPodaj odczyt tutaj: {link}\n\n"
                "Tę wiadomość wysłaliśmy, bo w e-BOK (Konto, Powiadomienia) włączono przypomnienia o odczycie "
                "e-mailem; tam też można je wyłączyć.\n\n{utility}",
        "sms": "{utility}: {body} {link}",
    },
    "en": {
        "title.open": "Time to read your water meter",
        "title.closing": "2 days left to read your water meter",
        "body.open": "{street}: give the reading by {closes}. A photo of the meter is enough.",
        "body.closing": "{street}: we do not have your reading yet. Give it by {closes}.",
        "mail": "Hello,\n\n{body}\n\nGive the reading here: {link}\n\n"
                "You receive this message because reading reminders by e-mail are on in the e-BOK (Account, "
                "Notifications); you can switch them off there.\n\n{utility}",
        "sms": "{utility}: {body} {link}",
    },
    "uk": {
        "title.open": "Час передати показання водоміра",
        "title.closing": "Залишилося 2 дні, щоб передати показання водоміра",
        "body.open": "{street}: передайте показання до {closes}. Достатньо фото лічильника.",
        "body.closing": "{street}: ми ще не маємо Вашого показання. Передайте його до {closes}.",
        "mail": "Добрий день,\n\n{body}\n\nПередати показання можна тут: {link}\n\n"
                "Ви отримали цей лист, бо в e-BOK («Обліковий запис», «Сповіщення») увімкнено нагадування про "
                "показання електронною поштою; там їх також можна вимкнути.\n\n{utility}",
        "sms": "{utility}: {body} {link}",
    },
}


def _day(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def reminder(stage: str, street: str, closes: date, lang: str) -> tuple[str, str]:
    words = WORDS[lang if lang in WORDS else "pl"]
    return words[f"title.{stage}"], words[f"body.{stage}"].format(street=street, closes=_day(closes))


def mail(stage: str, street: str, closes: date, link: str, utility: str, lang: str) -> tuple[str, str]:
    title, body = reminder(stage, street, closes, lang)
    words = WORDS[lang if lang in WORDS else "pl"]
    return f"{title} — {utility}", words["mail"].format(body=body, link=link, utility=utility)


def sms(stage: str, street: str, closes: date, link: str, utility: str, lang: str) -> str:
    _, body = reminder(stage, street, closes, lang)
    return WORDS[lang if lang in WORDS else "pl"]["sms"].format(utility=utility, body=body, link=link)
