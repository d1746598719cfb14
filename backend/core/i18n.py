"""Server-side texts (e-mails). The PWA has its own dictionaries in pwa/app/i18n.js."""

from __future__ import annotations

MAILS: dict[str, dict[str, tuple[str, str]]] = {
    # a resident's account the office opened after their written consent
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
    # an office or inspector account, made by the office or `ebok create-user`
    "activation_staff": {
        "pl": (
            "Konto pracownika w e-BOK {utility}",
            "Dzień dobry,\n\n"
            "założyliśmy dla Ciebie konto {role} w elektronicznym Biurze Obsługi Klienta {utility} "
            "dla adresu {email}.\n\n"
            "Aby aktywować konto i ustawić hasło, otwórz link (ważny {hours} godzin, jednorazowy):\n"
            "{link}\n\n"
            "Nigdy nie wysyłamy haseł e-mailem. Jeśli nie spodziewasz się tego konta, zignoruj tę "
            "wiadomość i zadzwoń do nas: {phone}.\n\n{utility}",
        ),
        "en": (
            "Your {utility} e-BOK staff account",
            "Hello,\n\nwe created an {role} account for you in the {utility} customer self-service "
            "office for {email}.\n\n"
            "To activate it and set your password, open this single-use link (valid {hours} hours):\n"
            "{link}\n\n"
            "We never send passwords by e-mail. If you do not expect this account, ignore this message "
            "and call us: {phone}.\n\n{utility}",
        ),
    },
    # a resident who registered themselves with their customer and invoice numbers
    "activation_registered": {
        "pl": (
            "Aktywacja konta w e-BOK {utility}",
            "Dzień dobry,\n\n"
            "dziękujemy za rejestrację w elektronicznym Biurze Obsługi Klienta {utility} "
            "dla adresu {email}.\n\n"
            "Aby aktywować konto i ustawić hasło, otwórz link (ważny {hours} godzin, jednorazowy):\n"
            "{link}\n\n"
            "Nigdy nie wysyłamy haseł e-mailem. Jeśli to nie Ty zakładałeś(-aś) konto, zignoruj tę "
            "wiadomość i zadzwoń do nas: {phone}.\n\n{utility}",
        ),
        "en": (
            "Activate your {utility} e-BOK account",
            "Hello,\n\nthank you for registering in the {utility} customer self-service office "
            "for {email}.\n\n"
            "To activate your account and set your password, open this single-use link (valid {hours} hours):\n"
            "{link}\n\n"
            "We never send passwords by e-mail. If you did not register, ignore this message "
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


ROLE_NAMES = {"pl": {"staff": "pracownika biura", "inspector": "inkasenta"},
              "en": {"staff": "office staff", "inspector": "inspector"}}


def mail_text(name: str, language: str, **params: object) -> tuple[str, str]:
    subject, body = MAILS[name].get(language) or MAILS[name]["pl"]
    return subject.format(**params), body.format(**params)
