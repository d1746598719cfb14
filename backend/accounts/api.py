"""HTTP endpoints of the accounts domain (thin: rules live in services.py)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from backend.accounts import profile, registration, services
from backend.accounts.guards import LOGIN_COOKIE, SESSION_COOKIE, UserDep, ViewerDep, logged_in, staff_only
from backend.accounts.schemas import (
    AccountOut,
    ChangePasswordIn,
    CorrespondenceIn,
    CreateUserIn,
    EmailChangeIn,
    EmailConfirmIn,
    LoginIn,
    MeOut,
    MePatch,
    ProfileOut,
    RegisterIn,
    RegisterOut,
    ResetRequestIn,
    SetPasswordIn,
    TokenIn,
    TokenInfo,
)
from backend.audit import services as audit
from backend.core import conditional
from backend.core.security import client_ip
from backend.core.types import Id
from backend.settings import Settings, SettingsDep


def session_cookies(settings: Settings, value: str, remember: bool) -> list[Cookie]:
    # "remember me" keeps the cookies across browser restarts; otherwise they die with the browser
    max_age = settings.session_remember_days * 86400 if remember else None
    return [
        Cookie(key=SESSION_COOKIE, value=value, path="/", httponly=True, samesite="lax",
               secure=settings.secure_cookies, max_age=max_age),
        # readable by the app, which deletes it to log out on this device at once (guards.LOGIN_COOKIE)
        Cookie(key=LOGIN_COOKIE, value=services.login_mark(value), path="/", httponly=False, samesite="lax",
               secure=settings.secure_cookies, max_age=max_age),
    ]


def expired_cookies(settings: Settings) -> list[Cookie]:
    return [Cookie(key=key, value="", path="/", httponly=key == SESSION_COOKIE, samesite="lax",
                   secure=settings.secure_cookies, max_age=0) for key in (SESSION_COOKIE, LOGIN_COOKIE)]


async def _logged_in_answer(settings: Settings, request: Request, user_id: Any, remember: bool) -> Response[MeOut]:
    value = await services.start_session(settings, user_id, remember, request.headers.get("user-agent", ""))
    return Response(await services.me(user_id), cookies=session_cookies(settings, value, remember))


class SessionController(Controller):
    path = "/api/session"

    @post("/", status_code=200)
    async def log_in(self, data: JSONBody[LoginIn], request: Request, viewer: ViewerDep,
                     settings: SettingsDep) -> Response[MeOut]:
        user = await services.login(settings, data.login, data.password, client_ip(request, settings))
        if viewer:
            await services.end_session(viewer.session_id)
        # the form offers "remember me" before it knows who logs in: it means the same for every role
        return await _logged_in_answer(settings, request, user["id"], data.remember)

    @delete("/", status_code=HTTP_204_NO_CONTENT)
    async def log_out(self, viewer: ViewerDep, settings: SettingsDep) -> Response[None]:
        if viewer:
            await services.end_session(viewer.session_id)
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=expired_cookies(settings))


class MeController(Controller):
    path = "/api/me"
    guards = [logged_in]

    @get("/", responses=conditional.NOT_MODIFIED)
    async def read(self, request: Request, user: UserDep) -> Response[MeOut]:
        return conditional.answer(request, user.id, await services.me_of(user))

    @patch("/")
    async def update(self, data: JSONBody[MePatch], user: UserDep) -> MeOut:
        await services.set_language(user.id, data.language)
        return await services.me(user.id)


class AccountController(Controller):
    path = "/api/account"

    @post("/token", status_code=200)
    async def token(self, data: JSONBody[TokenIn]) -> TokenInfo:
        row = await services.token_info(data.token)
        return TokenInfo(purpose=row["purpose"], email=row["user.email"])

    @post("/activate", status_code=200)
    async def activate(self, data: JSONBody[SetPasswordIn], request: Request, settings: SettingsDep) -> Response[MeOut]:
        user_id = await services.use_token(settings, data.token, data.password)
        return await _logged_in_answer(settings, request, user_id, remember=False)

    @post("/password-reset", status_code=HTTP_202_ACCEPTED)
    async def reset(self, data: JSONBody[ResetRequestIn], request: Request, settings: SettingsDep) -> dict[str, str]:
        await services.request_reset(settings, data.email, client_ip(request, settings))
        return {"status": "accepted"}

    @post("/password-reset/confirm", status_code=200)
    async def reset_confirm(self, data: JSONBody[SetPasswordIn], request: Request, settings: SettingsDep) -> Response[MeOut]:
        user_id = await services.use_token(settings, data.token, data.password)
        return await _logged_in_answer(settings, request, user_id, remember=False)

    @post("/password", status_code=200, guards=[logged_in])
    async def change_password(
        self, data: JSONBody[ChangePasswordIn], request: Request, user: UserDep, settings: SettingsDep
    ) -> Response[MeOut]:
        await services.change_password(settings, user, data.current_password, data.new_password)
        return await _logged_in_answer(settings, request, user.id, remember=False)


class StaffAccountsController(Controller):
    path = "/api/staff"
    guards = [staff_only]

    @post("/users", status_code=HTTP_201_CREATED)
    async def create_user(self, user: UserDep, data: JSONBody[CreateUserIn], settings: SettingsDep) -> AccountOut:
        user_id = await services.create_user(settings, data.email, data.name, data.role)
        await audit.record(user, "account.create", "account", user_id, None,
                           {"email": services.normalize_email(data.email), "name": data.name, "role": data.role})
        return AccountOut(id=str(user_id), email=services.normalize_email(data.email), active=False, role=data.role)


class ProfileController(Controller):
    """Moje konto: correspondence data and a new login e-mail (rules in profile.py)."""

    path = "/api/profile"

    @get("/", guards=[logged_in])
    async def read(self, user: UserDep) -> ProfileOut:
        return await profile.profile(user)

    @patch("/customers/{customer_id:str}", guards=[logged_in])
    async def correspondence(self, user: UserDep, customer_id: FromPath[Id],
                             data: JSONBody[CorrespondenceIn]) -> ProfileOut:
        await profile.update_correspondence(user, customer_id, data)
        return await profile.profile(user)

    @post("/email", status_code=HTTP_202_ACCEPTED, guards=[logged_in])
    async def change_email(self, user: UserDep, settings: SettingsDep, data: JSONBody[EmailChangeIn]) -> ProfileOut:
        await profile.request_email_change(settings, user, data.new_email, data.password)
        return await profile.profile(user)

    @post("/email/confirm", status_code=200)
    async def confirm(self, request: Request, settings: SettingsDep, data: JSONBody[EmailConfirmIn]) -> Response[MeOut]:
        user_id = await profile.confirm_email_change(data.token)
        return await _logged_in_answer(settings, request, user_id, remember=False)


class RegistrationController(Controller):
    """Self-registration with an invoice's number and amount (rules in registration.py)."""

    path = "/api/register"

    @post("/", status_code=HTTP_202_ACCEPTED)
    async def register(self, data: JSONBody[RegisterIn], request: Request, settings: SettingsDep) -> RegisterOut:
        await registration.register(settings, data, client_ip(request, settings))
        return RegisterOut(status="accepted")


controllers = [SessionController, MeController, AccountController, StaffAccountsController, ProfileController,
               RegistrationController]
