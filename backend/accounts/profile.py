"""Moje konto: the correspondence address and phone of the customer(s), and a new login e-mail that
takes effect only after its owner opens the link sent to it. The old address is told as well, so a
stolen session cannot quietly take the account over."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from backend.accounts import services as accounts
from backend.accounts.schemas import CorrespondenceIn, CorrespondenceOut, CurrentUser, ProfileOut
from backend.accounts.tables import EmailChange, User, UserCustomer
from backend.core.clock import now
from backend.core.db import is_unique_violation, transaction
from backend.core.errors import ApiError, not_found
from backend.core.i18n import with_unit_words
from backend.core.mail import queue_mail
from backend.customers import services as customers
from backend.settings import Settings

EMAIL_CHANGE_HOURS = 24
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE = re.compile(r"^\d{2}-\d{3}$", re.ASCII)
_PHONE = re.compile(r"^\+?[\d ()-]{6,20}$", re.ASCII)
_POLISH = re.compile(r"(?:\+48|0048|48)?\d{9}", re.ASCII)
_SEPARATORS = re.compile(r"[ ()-]")

MAILS = {
    "confirm": {
        "pl": ("Potwierdź nowy adres e-mail w e-BOK {utility}",
               "Dzień dobry,\n\nw e-BOK {utility} poproszono o zmianę adresu e-mail konta na {email}.\n"
               "Aby potwierdzić, otwórz link (ważny {hours} {hours_word}, jednorazowy):\n{link}\n\n"
               "Do tego czasu logujesz się dotychczasowym adresem. Jeśli to nie Ty, zignoruj tę wiadomość.\n\n{utility}"),
        "en": ("Confirm your new e-mail address in the {utility} e-BOK",
               "Hello,\n\na change of the account's e-mail address to {email} was requested in the {utility} e-BOK.\n"
               "To confirm, open this single-use link (valid {hours} {hours_word}):\n{link}\n\n"
               "Until then you log in with your current address. If it was not you, ignore this message.\n\n{utility}"),
        "uk": ("Підтвердьте нову адресу електронної пошти в e-BOK {utility}",
               "Добрий день,\n\nв e-BOK {utility} надійшов запит на зміну адреси електронної пошти облікового "
               "запису на {email}.\n"
               "Щоб підтвердити, відкрийте посилання (дійсне {hours} {hours_word}, одноразове):\n{link}\n\n"
               "До того часу Ви входите з попередньою адресою. Якщо це були не Ви, проігноруйте цей лист.\n\n{utility}"),
    },
    "notice": {
        "pl": ("Zmiana adresu e-mail w e-BOK {utility}",
               "Dzień dobry,\n\nw e-BOK {utility} poproszono o zmianę adresu e-mail Twojego konta na {masked}.\n"
               "Zmiana nastąpi dopiero po potwierdzeniu z nowego adresu. Jeśli to nie Ty, zmień hasło "
               "i zadzwoń do nas: {phone}.\n\n{utility}"),
        "en": ("E-mail change in the {utility} e-BOK",
               "Hello,\n\na change of your account's e-mail address to {masked} was requested in the {utility} "
               "e-BOK.\nIt takes effect only once confirmed from the new address. If it was not you, change your "
               "password and call us: {phone}.\n\n{utility}"),
        "uk": ("Зміна адреси електронної пошти в e-BOK {utility}",
               "Добрий день,\n\nв e-BOK {utility} надійшов запит на зміну адреси електронної пошти Вашого "
               "облікового запису на {masked}.\n"
               "Зміна набуде чинності лише після підтвердження з нової адреси. Якщо це були не Ви, змініть пароль "
               "і зателефонуйте нам: {phone}.\n\n{utility}"),
    },
}


def _mail(name: str, language: str, **params: object) -> tuple[str, str]:
    lang = language if language in MAILS[name] else "pl"
    subject, body = MAILS[name][lang]
    params = with_unit_words(lang, params)
    return subject.format(**params), body.format(**params)


def _mask(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:2]}***@{domain}"


async def profile(user: CurrentUser) -> ProfileOut:
    pending = await EmailChange.select(EmailChange.new_email).where(
        (EmailChange.user == user.id) & EmailChange.used_at.is_null() & (EmailChange.expires_at > now())
    ).order_by(EmailChange.created_at, ascending=False).first()
    rows = []
    for brief in await customers.customers_brief(user.customer_ids):
        c = await customers.get_customer(brief["id"])
        if c:
            rows.append(CorrespondenceOut(
                customer_id=str(c["id"]), number=c["number"], name=c["name"], street=c["street"],
                house_number=c["house_number"], postcode=c["postcode"], town=c["town"], phone=c["phone"],
                email=c["email"]))
    return ProfileOut(email=user.email, pending_email=pending["new_email"] if pending else None, customers=rows)


async def update_correspondence(user: CurrentUser, customer_id: str, data: CorrespondenceIn) -> None:
    if customer_id not in user.customer_ids:
        raise not_found("customer")
    if not _POSTCODE.fullmatch(data.postcode.strip()):
        raise ApiError("postcode_invalid", "The postcode is NN-NNN", 400, field="postcode")
    phone = data.phone.strip()
    if phone and not _PHONE.fullmatch(phone):
        raise ApiError("phone_invalid", "The phone number is not valid", 400, field="phone")
    if phone and not _POLISH.fullmatch(_SEPARATORS.sub("", phone)):
        # SMS go to Polish numbers only (sms.mobile: a mobile one); a typo is refused, not kept
        raise ApiError("phone_invalid", "Give a Polish number: +48 and nine digits", 400, field="phone")
    await customers.update_correspondence(customer_id, {
        "street": data.street.strip(), "house_number": data.house_number.strip(), "postcode": data.postcode.strip(),
        "town": data.town.strip(), "phone": phone,
    }, user)


async def request_email_change(settings: Settings, user: CurrentUser, new_email: str, password: str) -> None:
    new_email = accounts.normalize_email(new_email)
    if not _EMAIL.fullmatch(new_email):
        raise ApiError("email_invalid", "Not an e-mail address", 400, field="new_email")
    await accounts.check_password(user.id, password)
    if new_email == user.email:
        raise ApiError("email_same", "This is the current address", 400, field="new_email")
    if await User.exists().where(User.email == new_email):
        raise ApiError("email_taken", "An account with this e-mail exists", 409, field="new_email")
    raw = secrets.token_urlsafe(16)
    t = now()
    async with transaction():
        await EmailChange.delete().where((EmailChange.user == user.id) & EmailChange.used_at.is_null())
        await EmailChange.insert(EmailChange(id=accounts.digest(raw), user=user.id, new_email=new_email, created_at=t,
                                             expires_at=t + timedelta(hours=EMAIL_CHANGE_HOURS)))
        subject, text = _mail("confirm", user.language, utility=settings.utility_name, email=new_email,
                              hours=EMAIL_CHANGE_HOURS, link=f"{settings.base_url}/potwierdz-email?token={raw}")
        await queue_mail(new_email, subject, text)
        subject, text = _mail("notice", user.language, utility=settings.utility_name, masked=_mask(new_email),
                              phone=settings.utility_phone)
        await queue_mail(user.email, subject, text)


async def confirm_email_change(token: str) -> Any:
    """Apply the new e-mail; returns the user id. Every other session ends (a new login name)."""
    row = await EmailChange.select().where(EmailChange.id == accounts.digest(token)).first()
    if not row or row["used_at"] is not None or row["expires_at"] <= now():
        raise ApiError("token_invalid", "The link is unknown, used or expired", 400, field="token")
    old = await User.select(User.email).where(User.id == row["user"]).first()
    try:
        async with transaction():
            used = await EmailChange.update({EmailChange.used_at: now()}).where(
                (EmailChange.id == row["id"]) & EmailChange.used_at.is_null()).returning(EmailChange.id)
            if not used:
                raise ApiError("token_invalid", "The link is unknown, used or expired", 400, field="token")
            await User.update({User.email: row["new_email"]}).where(User.id == row["user"])
            # the customer's contact e-mail follows when it was the login address
            links = await UserCustomer.select(UserCustomer.customer).where(UserCustomer.user == row["user"])
            for link in links:
                cid = str(link["customer"])
                c = await customers.get_customer(cid)
                if c and old and c["email"].lower() == old["email"]:
                    await customers.update_correspondence(cid, {"email": row["new_email"]})
            await accounts.end_all_sessions(row["user"])
    except ApiError:
        raise
    except Exception as exc:
        if is_unique_violation(exc):
            raise ApiError("email_taken", "An account with this e-mail exists", 409, field="token") from exc
        raise
    return row["user"]


async def delete_account(user_id: str) -> None:
    """Remove a portal account: its sessions, links and customer links go with it (foreign keys
    cascade); rows that only name it as author keep their content without the link."""
    await User.delete().where(User.id == user_id)
