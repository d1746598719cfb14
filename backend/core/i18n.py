"""Server-side texts (e-mails). The PWA has its own dictionaries in pwa/app/i18n.js."""

from __future__ import annotations

MAILS: dict[str, dict[str, tuple[str, str]]] = {
    "activation": {
        "pl": (
            "Aktywacja konta w e-BOK {utility}",
            "Dzień dobry,\n\n"
            "na podstawie Pani/Pana zgody założyliśmy konto w elektronicznym Biurze Obsługi Klienta "
            "{utility} dla adresu {email}.\n\n"
            "Aby aktywować konto i ustawić hasło, otwórz link (ważny {hours} godzin, jednorazowy):\n"
            "{link}\n\n"
            "Nigdy nie wysyłamy haseł e-mailem. Jeśli nie składałeś(-aś) zgody, zignoruj tę wiadomość "
            "i zadzwoń do nas: {phone}.\n\n{utility}",
        ),
        "en": (
            "Activate your {utility} e-BOK account",
            "Hello,\n\nfollowing your consent we created an account in the {utility} customer "
            "self-service office for {email}.\n\n"
            "To activate it and set your password, open this single-use link (valid {hours} hours):\n"
            "{link}\n\n"
            "We never send passwords by e-mail. If you did not give consent, ignore this message "
            "and call us: {phone}.\n\n{utility}",
        ),
    },
    "reset": {
        "pl": (
            "Reset hasła w e-BOK {utility}",
            "Dzień dobry,\n\notrzymaliśmy prośbę o ustawienie nowego hasła do konta {email}.\n\n"
            "Otwórz link (ważny {minutes} minut, jednorazowy):\n{link}\n\n"
            "Jeśli to nie Ty, zignoruj tę wiadomość — hasło się nie zmieni.\n\n{utility}",
        ),
        "en": (
            "Reset your {utility} e-BOK password",
            "Hello,\n\nwe received a request to set a new password for {email}.\n\n"
            "Open this single-use link (valid {minutes} minutes):\n{link}\n\n"
            "If it was not you, ignore this message: your password stays as it is.\n\n{utility}",
        ),
    },
}


def mail_text(name: str, language: str, **params: object) -> tuple[str, str]:
    subject, body = MAILS[name].get(language) or MAILS[name]["pl"]
    return subject.format(**params), body.format(**params)
