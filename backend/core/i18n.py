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
            "Aby aktywować konto i ustawić hasło, otwórz link (ważny {hours} {hours_word}, jednorazowy):\n"
            "{link}\n\n"
            "Nigdy nie wysyłamy haseł e-mailem. Jeśli nie składałeś(-aś) zgody, zignoruj tę wiadomość "
            "i zadzwoń do nas: {phone}.\n\n{utility}",
        ),
        "en": (
            "Activate your {utility} e-BOK account",
            "Hello,\n\nfollowing your consent we created an account in the {utility} customer "
            "self-service office for {email}.\n\n"
            "To activate it and set your password, open this single-use link (valid {hours} {hours_word}):\n"
            "{link}\n\n"
            "We never send passwords by e-mail. If you did not give consent, ignore this message "
            "and call us: {phone}.\n\n{utility}",
        ),
        "uk": (
            "Активація облікового запису в e-BOK {utility}",
            "Добрий день,\n\n"
            "на підставі Вашої згоди ми створили обліковий запис в електронному Бюро обслуговування клієнтів "
            "{utility} для адреси {email}.\n\n"
            "Щоб активувати обліковий запис і встановити пароль, відкрийте посилання (дійсне {hours} {hours_word}, "
            "одноразове):\n"
            "{link}\n\n"
            "Ми ніколи не надсилаємо паролів електронною поштою. Якщо Ви не давали згоди, проігноруйте цей лист "
            "і зателефонуйте нам: {phone}.\n\n{utility}",
        ),
    },
    # an office or inspector account, made by the office or `ebok create-user`
    "activation_staff": {
        "pl": (
            "Konto pracownika w e-BOK {utility}",
            "Dzień dobry,\n\n"
            "założyliśmy dla Ciebie konto {role} w elektronicznym Biurze Obsługi Klienta {utility} "
            "dla adresu {email}.\n\n"
            "Aby aktywować konto i ustawić hasło, otwórz link (ważny {hours} {hours_word}, jednorazowy):\n"
            "{link}\n\n"
            "Nigdy nie wysyłamy haseł e-mailem. Jeśli nie spodziewasz się tego konta, zignoruj tę "
            "wiadomość i zadzwoń do nas: {phone}.\n\n{utility}",
        ),
        "en": (
            "Your {utility} e-BOK staff account",
            "Hello,\n\nwe created an {role} account for you in the {utility} customer self-service "
            "office for {email}.\n\n"
            "To activate it and set your password, open this single-use link (valid {hours} {hours_word}):\n"
            "{link}\n\n"
            "We never send passwords by e-mail. If you do not expect this account, ignore this message "
            "and call us: {phone}.\n\n{utility}",
        ),
        "uk": (
            "Обліковий запис працівника в e-BOK {utility}",
            "Добрий день,\n\n"
            "ми створили для Вас обліковий запис {role} в електронному Бюро обслуговування клієнтів {utility} "
            "для адреси {email}.\n\n"
            "Щоб активувати обліковий запис і встановити пароль, відкрийте посилання (дійсне {hours} {hours_word}, "
            "одноразове):\n"
            "{link}\n\n"
            "Ми ніколи не надсилаємо паролів електронною поштою. Якщо Ви не очікуєте цього облікового запису, "
            "проігноруйте цей лист і зателефонуйте нам: {phone}.\n\n{utility}",
        ),
    },
    # a resident who registered themselves with their customer and invoice numbers
    "activation_registered": {
        "pl": (
            "Aktywacja konta w e-BOK {utility}",
            "Dzień dobry,\n\n"
            "dziękujemy za rejestrację w elektronicznym Biurze Obsługi Klienta {utility} "
            "dla adresu {email}.\n\n"
            "Aby aktywować konto i ustawić hasło, otwórz link (ważny {hours} {hours_word}, jednorazowy):\n"
            "{link}\n\n"
            "Nigdy nie wysyłamy haseł e-mailem. Jeśli to nie Ty zakładałeś(-aś) konto, zignoruj tę "
            "wiadomość i zadzwoń do nas: {phone}.\n\n{utility}",
        ),
        "en": (
            "Activate your {utility} e-BOK account",
            "Hello,\n\nthank you for registering in the {utility} customer self-service office "
            "for {email}.\n\n"
            "To activate your account and set your password, open this single-use link (valid {hours} {hours_word}):\n"
            "{link}\n\n"
            "We never send passwords by e-mail. If you did not register, ignore this message "
            "and call us: {phone}.\n\n{utility}",
        ),
        "uk": (
            "Активація облікового запису в e-BOK {utility}",
            "Добрий день,\n\n"
            "дякуємо за реєстрацію в електронному Бюро обслуговування клієнтів {utility} "
            "для адреси {email}.\n\n"
            "Щоб активувати обліковий запис і встановити пароль, відкрийте посилання (дійсне {hours} {hours_word}, "
            "одноразове):\n"
            "{link}\n\n"
            "Ми ніколи не надсилаємо паролів електронною поштою. Якщо Ви не реєструвалися, проігноруйте цей лист "
            "і зателефонуйте нам: {phone}.\n\n{utility}",
        ),
    },
    "reset": {
        "pl": (
            "Reset hasła w e-BOK {utility}",
            "Dzień dobry,\n\notrzymaliśmy prośbę o ustawienie nowego hasła do konta {email}.\n\n"
            "Otwórz link (ważny {minutes} {minutes_word}, jednorazowy):\n{link}\n\n"
            "Jeśli to nie Ty, zignoruj tę wiadomość — hasło się nie zmieni.\n\n{utility}",
        ),
        "en": (
            "Reset your {utility} e-BOK password",
            "Hello,\n\nwe received a request to set a new password for {email}.\n\n"
            "Open this single-use link (valid {minutes} {minutes_word}):\n{link}\n\n"
            "If it was not you, ignore this message: your password stays as it is.\n\n{utility}",
        ),
        "uk": (
            "Скидання пароля в e-BOK {utility}",
            "Добрий день,\n\nми отримали запит на встановлення нового пароля для облікового запису {email}.\n\n"
            "Відкрийте посилання (дійсне {minutes} {minutes_word}, одноразове):\n{link}\n\n"
            "Якщо це були не Ви, проігноруйте цей лист — пароль не зміниться.\n\n{utility}",
        ),
    },
}


ROLE_NAMES = {"pl": {"staff": "pracownika biura", "inspector": "inkasenta"},
              "en": {"staff": "office staff", "inspector": "inspector"},
              "uk": {"staff": "працівника офісу", "inspector": "контролера"}}


# The word after a number in the e-mails ("ważny 72 godziny", "1 godzinę", "15 minut"): Polish and
# Ukrainian one / few / many forms (accusative, after "ważny" / "дійсне"), English one / other.
UNITS: dict[str, dict[str, tuple[str, ...]]] = {
    "hours": {"pl": ("godzinę", "godziny", "godzin"), "en": ("hour", "hours"),
              "uk": ("годину", "години", "годин")},
    "minutes": {"pl": ("minutę", "minuty", "minut"), "en": ("minute", "minutes"),
                "uk": ("хвилину", "хвилини", "хвилин")},
}


def plural(count: int, language: str, forms: tuple[str, ...]) -> str:
    """The CLDR plural form of a whole number, as Intl.PluralRules picks it in the PWA: English
    one / other; Polish one (1 only) / few / many; Ukrainian one (1, 21, 31 … but not 11) / few / many."""
    if language == "en":
        return forms[0 if count == 1 else 1]
    ones, tens = count % 10, count % 100
    if count == 1 or (language == "uk" and ones == 1 and tens != 11):
        return forms[0]
    if 2 <= ones <= 4 and not 12 <= tens <= 14:
        return forms[1]
    return forms[2]


def with_unit_words(language: str, params: dict[str, object]) -> dict[str, object]:
    """params plus `<name>_word` for each counted number among them."""
    lang = language if language in ("pl", "en", "uk") else "pl"
    words = {f"{name}_word": plural(int(params[name]), lang, forms[lang])  # type: ignore[call-overload]
             for name, forms in UNITS.items() if name in params}
    return {**params, **words}


def mail_text(name: str, language: str, **params: object) -> tuple[str, str]:
    lang = language if language in MAILS[name] else "pl"
    subject, body = MAILS[name][lang]
    params = with_unit_words(lang, params)
    return subject.format(**params), body.format(**params)
