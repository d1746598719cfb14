"""Self-registration, as Polish e-BOKs do it instead of the paper consent: the customer number plus
the number and gross amount of one of the customer's last three invoices; then the activation link
is e-mailed, and opening it confirms the address and sets the password.

The answer is the same whether or not the data matched (and whether or not the e-mail already has an
account), and attempts are limited per IP and per customer number, counted in the database so every
process sees them. The invoice check is billing's `invoice_matches`.
"""

from __future__ import annotations

from datetime import timedelta

from backend.accounts import services as accounts
from backend.accounts.schemas import RegisterIn
from backend.accounts.tables import LoginAttempt, User
from backend.billing import services as billing
from backend.core.amounts import parse_grosze
from backend.core.clock import now
from backend.core.errors import ApiError
from backend.core.mail import queue_mail
from backend.customers import services as customers
from backend.settings import Settings

ATTEMPTS_PER_HOUR = 5  # per IP and per customer number

EXISTS_MAIL = {
    "pl": ("Konto w e-BOK {utility} już istnieje",
           "Dzień dobry,\n\nktoś (być może Ty) próbował założyć konto w e-BOK {utility} dla adresu {email}.\n"
           "Konto z tym adresem już istnieje. Jeśli nie pamiętasz hasła, ustaw nowe: {link}\n\n{utility}"),
    "en": ("Your {utility} e-BOK account already exists",
           "Hello,\n\nsomeone (perhaps you) tried to register in the {utility} e-BOK for {email}.\n"
           "An account with this address already exists. If you do not remember its password, set a new one: "
           "{link}\n\n{utility}"),
    "uk": ("Обліковий запис у e-BOK {utility} уже існує",
           "Добрий день,\n\nхтось (можливо, Ви) намагався зареєструватися в e-BOK {utility} для адреси {email}.\n"
           "Обліковий запис із цією адресою вже існує. Якщо Ви не пам’ятаєте пароля, встановіть новий: {link}\n\n"
           "{utility}"),
}


async def _check_rate(keys: list[str]) -> None:
    since = now() - timedelta(hours=1)
    for key in keys:
        count = await LoginAttempt.count().where((LoginAttempt.key == key) & (LoginAttempt.at > since))
        if count >= ATTEMPTS_PER_HOUR:
            raise ApiError("too_many_attempts", "Too many attempts; try again later", 429,
                           headers={"Retry-After": "3600"}, extra={"retry_after": 3600})


async def register(settings: Settings, data: RegisterIn, ip: str) -> None:
    if not data.consent:
        raise ApiError("consent_required", "The consent is required", 400, field="consent")
    grosze = parse_grosze(data.gross_amount)
    if grosze is None:
        raise ApiError("amount_invalid", "Give the gross amount as on the invoice, e.g. 123,45", 400,
                       field="gross_amount")
    number = data.customer_number.strip()
    keys = [f"register:ip:{ip}", f"register:number:{number[:20]}"]
    await _check_rate(keys)
    await LoginAttempt.insert(*(LoginAttempt(key=k) for k in keys))  # every attempt counts, matched or not
    customer_id = await customers.customer_id_by_number(number)
    if not customer_id or not await billing.invoice_matches(customer_id, data.invoice_number, grosze):
        return
    email = accounts.normalize_email(data.email)
    existing = await User.select(User.id, User.language).where(User.email == email).first()
    if existing:  # in the existing account's language: the mail goes to its owner
        subject, text = EXISTS_MAIL.get(existing["language"]) or EXISTS_MAIL["pl"]
        params = {"utility": settings.utility_name, "email": email, "link": f"{settings.base_url}/nie-pamietam-hasla"}
        await queue_mail(email, subject.format(**params), text.format(**params))
        return
    from backend.consents import services as consents  # consents depend on accounts, not the reverse

    user_id = await accounts.create_user(settings, email, data.name, "resident", customer_id=customer_id,
                                         language=data.language, registered=True)
    await consents.record(customer_id, "contact_data", True, "registration", str(user_id))
