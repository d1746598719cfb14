"""Request and response shapes of the accounts API."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from backend.core.types import Id, Line

Email = Annotated[Line, msgspec.Meta(min_length=3, max_length=254)]
Password = Annotated[Line, msgspec.Meta(max_length=1000)]  # policy errors come from the service
Token = Annotated[Line, msgspec.Meta(min_length=10, max_length=100)]
Language = Literal["pl", "en", "uk"]  # the PWA's languages; a text without uk falls back to pl
Role = Literal["resident", "inspector", "staff"]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


class LoginIn(Strict):
    login: Annotated[Line, msgspec.Meta(min_length=1, max_length=254)]
    password: Password
    remember: bool = False


class CustomerRef(msgspec.Struct):
    id: str
    number: str
    name: str


class MeOut(msgspec.Struct):
    id: str
    email: str
    name: str
    role: str
    language: str
    customers: list[CustomerRef]


class MePatch(Strict):
    language: Language


class TokenIn(Strict):
    token: Token


class TokenInfo(msgspec.Struct):
    purpose: str
    email: str


class SetPasswordIn(Strict):
    token: Token
    password: Password


class ResetRequestIn(Strict):
    email: Email


class ChangePasswordIn(Strict):
    current_password: Password
    new_password: Password


class CreateResidentIn(Strict):
    customer_id: Id
    email: Email
    name: Annotated[Line, msgspec.Meta(min_length=1, max_length=200)]
    consent: bool


class CreateUserIn(Strict):
    email: Email
    name: Annotated[Line, msgspec.Meta(min_length=1, max_length=200)]
    role: Literal["inspector", "staff"]


class AccountOut(msgspec.Struct):
    id: str
    email: str
    active: bool
    role: str = "resident"


class CurrentUser(msgspec.Struct, frozen=True):
    """Who is asking: loaded from the session on every API request."""

    id: str
    email: str
    name: str
    role: str
    language: str
    customer_ids: tuple[str, ...]
    session_id: str

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"


# --- Moje konto (profile.py) and self-registration (registration.py) ---------------------------


class CorrespondenceOut(msgspec.Struct):
    customer_id: str
    number: str
    name: str
    street: str
    house_number: str
    postcode: str
    town: str
    phone: str
    email: str


class ProfileOut(msgspec.Struct):
    email: str
    pending_email: str | None
    customers: list[CorrespondenceOut]


class CorrespondenceIn(Strict):
    street: Annotated[Line, msgspec.Meta(min_length=1, max_length=120)]
    house_number: Annotated[Line, msgspec.Meta(min_length=1, max_length=20)]
    postcode: Annotated[Line, msgspec.Meta(max_length=6)]
    town: Annotated[Line, msgspec.Meta(min_length=1, max_length=80)]
    phone: Annotated[Line, msgspec.Meta(max_length=32)] = ""


class EmailChangeIn(Strict):
    new_email: Email
    password: Password


class EmailConfirmIn(Strict):
    token: Token


class RegisterIn(Strict):
    customer_number: Annotated[Line, msgspec.Meta(min_length=1, max_length=20)]
    invoice_number: Annotated[Line, msgspec.Meta(min_length=1, max_length=40)]
    gross_amount: Annotated[Line, msgspec.Meta(min_length=1, max_length=20)]  # "123,45" as printed
    email: Email
    name: Annotated[Line, msgspec.Meta(min_length=1, max_length=200)]
    consent: bool  # to processing the e-mail address (and phone) for the e-BOK
    language: Language = "pl"  # the registration page's: the account's, and so its activation mail's


class RegisterOut(msgspec.Struct):
    status: str
