"""Accounts: login with rate limiting, server-side sessions, activation and reset links,
password changes. No HTTP here: api.py turns these into answers."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from backend.accounts import passwords, throttle
from backend.accounts.schemas import CurrentUser, CustomerRef, MeOut
from backend.accounts.tables import LoginAttempt, OneTimeToken, Session, User, UserCustomer
from backend.core.bulk import insert
from backend.core.clock import now
from backend.core.db import execute as db_execute
from backend.core.db import is_postgres, is_unique_violation, transaction
from backend.core.db import rows as db_rows
from backend.core.errors import ApiError
from backend.core.i18n import ROLE_NAMES, mail_text
from backend.core.mail import queue_mail
from backend.customers import services as customers
from backend.settings import Settings

SESSION_TOUCH_SECONDS = 60  # write last_seen at most once a minute per session
RESET_REQUESTS_PER_HOUR = 5


def digest(secret: str) -> str:
    """Sessions and tokens are stored as SHA-256: a stolen table does not log anyone in."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


# --- sessions -----------------------------------------------------------------------------


def _session_lifetime(settings: Settings, remember: bool) -> timedelta:
    if remember:
        return timedelta(days=settings.session_remember_days)
    return timedelta(minutes=settings.session_idle_minutes)


async def start_session(settings: Settings, user_id: Any, remember: bool, user_agent: str = "") -> str:
    """A new random session id at every login (no fixation); returns the cookie value."""
    value = secrets.token_urlsafe(32)
    t = now()
    await Session.insert(
        Session(
            id=digest(value), user=user_id, remember=remember, user_agent=user_agent[:200],
            created_at=t, last_seen_at=t, expires_at=t + _session_lifetime(settings, remember),
        )
    )
    return value


async def start_sessions(settings: Settings, user_ids: Sequence[Any], remember: bool, user_agent: str = "") -> list[str]:
    """start_session() for many accounts in one bulk insert (the herd benchmark's residents, each
    with a session as if they had logged in); the cookie values, in the order of `user_ids`."""
    values = [secrets.token_urlsafe(32) for _ in user_ids]
    t = now()
    expires = t + _session_lifetime(settings, remember)
    async with transaction() as tx:
        await insert(tx, Session, ("id", "user", "remember", "user_agent", "created_at", "last_seen_at", "expires_at"),
                     [(digest(v), uuid.UUID(str(u)), remember, user_agent[:200], t, t, expires)
                      for v, u in zip(values, user_ids, strict=True)])
    return values


async def load_session(settings: Settings, cookie_value: str) -> CurrentUser | None:
    if not cookie_value or len(cookie_value) > 100:
        return None
    sid = digest(cookie_value)
    # one query for the session, its user and the customers linked to them (every API request runs it)
    found = await db_rows(_SESSION_PG if is_postgres() else _SESSION_SQLITE, sid)
    t = now()
    if not found:
        return None
    expires_at, last_seen_at, remember, user_id, email, name, role, language, active, links = found[0]
    if expires_at <= t or not active:
        return None
    if (t - last_seen_at).total_seconds() > SESSION_TOUCH_SECONDS:
        # sliding idle timeout: each use pushes the expiry forward
        await db_execute("UPDATE ebok_session SET last_seen_at = $1, expires_at = $2 WHERE id = $3",
                         t, t + _session_lifetime(settings, remember), sid)
    return CurrentUser(
        id=str(user_id), email=email, name=name, role=role, language=language,
        customer_ids=tuple(sorted(links.split(","))) if links else (), session_id=sid,
    )


_SESSION = """SELECT s.expires_at, s.last_seen_at, s.remember, CAST(u.id AS TEXT),
  u.email, u.name, u.role, u.language, u.active,
  (SELECT {agg} FROM user_customer uc WHERE uc."user" = u.id)
FROM ebok_session s JOIN ebok_user u ON u.id = s."user" WHERE s.id = $1"""
_SESSION_SQLITE = _SESSION.format(agg="group_concat(uc.customer, ',')")
_SESSION_PG = _SESSION.format(agg="string_agg(uc.customer::text, ',')")


def login_mark(cookie_value: str) -> str:
    """The readable twin of a session cookie (guards.LOGIN_COOKIE): derived from it, reveals nothing of it."""
    return hashlib.sha256(b"ebok-login:" + cookie_value.encode()).hexdigest()[:32]


async def end_session_of_cookie(cookie_value: str) -> None:
    if cookie_value and len(cookie_value) <= 100:
        await Session.delete().where(Session.id == digest(cookie_value))


async def end_session(session_id: str) -> None:
    await Session.delete().where(Session.id == session_id)


async def end_all_sessions(user_id: Any) -> None:
    await Session.delete().where(Session.user == user_id)


async def purge_stale(settings: Settings) -> None:
    """Expired sessions and attempts older than any rate-limit window serve nobody: each login
    sweeps them, so neither table grows without bound."""
    await Session.delete().where(Session.expires_at < now())
    keep = timedelta(minutes=max(settings.login_window_minutes, 60))  # reset requests count per hour
    await LoginAttempt.delete().where(LoginAttempt.at < now() - keep)
    await throttle.purge(settings)


# --- login and its rate limit ---------------------------------------------------------------


async def _find_user_for_login(login: str) -> dict[str, Any] | None:
    login = login.strip()
    if "@" in login:
        return await User.select().where(User.email == normalize_email(login)).first()
    customer_id = await customers.customer_id_by_number(login)
    if not customer_id:
        return None
    rows = await User.select().where(
        User.id.is_in(UserCustomer.select(UserCustomer.user).where(UserCustomer.customer == customer_id)),
        User.active.eq(True),
    )
    return rows[0] if len(rows) == 1 else None  # ambiguous customer number: use the e-mail


async def login(settings: Settings, login_name: str, password: str, ip: str) -> dict[str, Any]:
    user = await _find_user_for_login(login_name)
    person = throttle.person_key(user, login_name)
    turn = await throttle.take_turn(settings, person, ip)  # 429 while this person or IP must wait
    # verify even for an unknown login so both answers take the same time
    ok = await passwords.verify_password(user["password_hash"] if user else "", password)
    if not user or not ok or not user["active"]:
        await throttle.failed(settings, turn)
        raise ApiError("invalid_credentials", "Wrong login or password", 400)
    await throttle.succeeded(turn)
    await purge_stale(settings)
    if passwords.needs_rehash(user["password_hash"]):
        await User.update({User.password_hash: await passwords.hash_password(password)}).where(User.id == user["id"])
    return user


# --- who am I ---------------------------------------------------------------------------------


async def me(user_id: Any) -> MeOut:
    user = await User.select().where(User.id == user_id).first()
    if not user:
        raise ApiError("not_authenticated", "Log in first", 401)
    links = await UserCustomer.select(UserCustomer.customer).where(UserCustomer.user == user_id)
    refs = await customers.customers_brief(str(link["customer"]) for link in links)
    return MeOut(
        id=str(user["id"]), email=user["email"], name=user["name"], role=user["role"],
        language=user["language"], customers=[CustomerRef(**r) for r in refs],
    )


async def me_of(user: CurrentUser) -> MeOut:
    """GET /api/me: the session's request loaded the account a moment ago; only the customers' names are asked for."""
    refs = await customers.customers_brief(user.customer_ids)
    return MeOut(id=user.id, email=user.email, name=user.name, role=user.role, language=user.language,
                 customers=[CustomerRef(**r) for r in refs])


async def set_language(user_id: str, language: str) -> None:
    await User.update({User.language: language}).where(User.id == user_id)


# --- passwords --------------------------------------------------------------------------------


def check_policy(settings: Settings, password: str, field: str) -> None:
    code = passwords.policy_error(password, settings.utility_name)
    if code:
        raise ApiError(code, code.replace("_", " "), 400, field=field)


async def _set_password(user_id: Any, password: str) -> None:
    await User.update(
        {User.password_hash: await passwords.hash_password(password), User.password_changed_at: now(),
         User.active: True}
    ).where(User.id == user_id)


async def check_password(user_id: str, password: str, field: str = "password") -> None:
    """The signed-in person confirms a change with their password (a stolen session alone is not enough)."""
    row = await User.select(User.password_hash).where(User.id == user_id).first()
    if not row or not await passwords.verify_password(row["password_hash"], password):
        message = "The current password is wrong" if field == "current_password" else "The password is wrong"
        raise ApiError("wrong_password", message, 400, field=field)


async def change_password(settings: Settings, user: CurrentUser, current: str, new: str) -> None:
    await check_password(user.id, current, "current_password")
    check_policy(settings, new, "new_password")
    async with transaction():
        await _set_password(user.id, new)
        await end_all_sessions(user.id)  # every device logs in again with the new password


# --- single-use links -------------------------------------------------------------------------

TOKEN_LIFETIME = {"activation": "activation_hours", "reset": "reset_minutes"}


async def issue_token(settings: Settings, user_id: Any, purpose: str) -> str:
    raw = secrets.token_urlsafe(16)  # 128 random bits
    lifetime = (
        timedelta(hours=settings.activation_hours) if purpose == "activation"
        else timedelta(minutes=settings.reset_minutes)
    )
    # a new link replaces any earlier unused one of the same purpose
    await OneTimeToken.delete().where(
        (OneTimeToken.user == user_id) & (OneTimeToken.purpose == purpose) & OneTimeToken.used_at.is_null()
    )
    t = now()
    await OneTimeToken.insert(
        OneTimeToken(id=digest(raw), user=user_id, purpose=purpose, created_at=t, expires_at=t + lifetime)
    )
    return raw


async def token_info(token: str) -> dict[str, Any]:
    row = await OneTimeToken.select(
        OneTimeToken.id, OneTimeToken.purpose, OneTimeToken.expires_at, OneTimeToken.used_at,
        OneTimeToken.user.id, OneTimeToken.user.email,
    ).where(OneTimeToken.id == digest(token)).first()
    if not row or row["used_at"] is not None or row["expires_at"] <= now():
        raise ApiError("token_invalid", "The link is unknown, used or expired", 400, field="token")
    return row


async def use_token(settings: Settings, token: str, password: str) -> Any:
    """Set the password from an activation or reset link; returns the user id."""
    row = await token_info(token)
    check_policy(settings, password, "password")
    async with transaction():
        used = await OneTimeToken.update({OneTimeToken.used_at: now()}).where(
            (OneTimeToken.id == row["id"]) & OneTimeToken.used_at.is_null()
        ).returning(OneTimeToken.id)
        if not used:  # a concurrent request took it first
            raise ApiError("token_invalid", "The link is unknown, used or expired", 400, field="token")
        await _set_password(row["user.id"], password)
        await end_all_sessions(row["user.id"])
    return row["user.id"]


def _link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.base_url}{path}?token={token}"


async def send_activation(settings: Settings, user_id: Any, registered: bool = False) -> None:
    """The activation link, in words that fit how the account came about: the office opened a
    resident's account on their written consent, the resident registered, or it is a staff or
    inspector account."""
    user = await User.select(User.email, User.language, User.role).where(User.id == user_id).first()
    assert user
    token = await issue_token(settings, user_id, "activation")
    mail = ("activation_staff" if user["role"] != "resident" else "activation_registered" if registered
            else "activation")
    language = user["language"] if user["language"] in ROLE_NAMES else "pl"
    subject, text = mail_text(
        mail, user["language"], utility=settings.utility_name, email=user["email"],
        hours=settings.activation_hours, link=_link(settings, "/aktywacja", token),
        phone=settings.utility_phone, role=ROLE_NAMES[language].get(user["role"], ""),
    )
    await queue_mail(user["email"], subject, text)


async def request_reset(settings: Settings, email: str, ip: str) -> None:
    """Always the same answer to the caller; a link only to an existing active account."""
    email = normalize_email(email)
    key = f"reset:{email[:250]}"
    recent = await LoginAttempt.count().where(
        (LoginAttempt.key == key) & (LoginAttempt.at > now() - timedelta(hours=1))
    )
    if recent >= RESET_REQUESTS_PER_HOUR:  # no mail bombing through the reset form
        return
    await LoginAttempt.insert(LoginAttempt(key=key))
    user = await User.select(User.id, User.email, User.language, User.active).where(User.email == email).first()
    if not user or not user["active"]:
        return
    token = await issue_token(settings, user["id"], "reset")
    subject, text = mail_text(
        "reset", user["language"], utility=settings.utility_name, email=user["email"],
        minutes=settings.reset_minutes, link=_link(settings, "/reset-hasla", token),
    )
    await queue_mail(user["email"], subject, text)


# --- creating accounts ------------------------------------------------------------------------


async def create_user(
    settings: Settings, email: str, name: str, role: str, customer_id: str | None = None,
    password: str | None = None, language: str = "pl", registered: bool = False,
) -> Any:
    """A new account; without a password it is inactive and gets an activation link (`registered`:
    the resident asked for it themselves)."""
    email = normalize_email(email)
    if password is not None:
        check_policy(settings, password, "password")
    user_id = uuid.uuid4()
    try:
        async with transaction():
            await User.insert(
                User(
                    id=user_id, email=email, name=name.strip(), role=role, language=language,
                    active=password is not None,
                    password_hash=await passwords.hash_password(password) if password else "",
                    password_changed_at=now() if password else None,
                )
            )
            if customer_id:
                await UserCustomer.insert(UserCustomer(user=user_id, customer=customer_id))
            if password is None:
                await send_activation(settings, user_id, registered)
    except Exception as exc:
        if is_unique_violation(exc):
            raise ApiError("email_taken", "An account with this e-mail exists", 409, field="email") from exc
        raise
    return user_id


async def check_new_resident(customer_id: str, consent: bool) -> str:
    """The office may open a resident's account for this customer (the written consent is the
    consents register's to record, then `create_user`); returns the customer's id."""
    if not consent:
        raise ApiError("consent_required", "The customer's written consent is required", 400, field="consent")
    customer = await customers.get_customer(customer_id)
    if not customer:
        raise ApiError("not_found", "customer not found", 404, field="customer_id")
    if (await accounts_of_customers([str(customer["id"])])).get(str(customer["id"])):
        # one login per customer: a second would be a second person the consent did not name
        raise ApiError("customer_has_account", "This customer already has an e-BOK account", 409, field="customer_id")
    return str(customer["id"])


async def accounts_of_customers(customer_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    # a query per 1000 customers: a town-wide outage names 100,000, over PostgreSQL's 32,767
    # parameters a statement
    rows: list[dict[str, Any]] = []
    for i in range(0, len(customer_ids), 1000):
        rows += await UserCustomer.select(
            UserCustomer.customer, UserCustomer.user.id, UserCustomer.user.email, UserCustomer.user.active,
            UserCustomer.user.language,
        ).where(UserCustomer.customer.is_in(customer_ids[i:i + 1000]))
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(str(r["customer"]), []).append(
            {"id": str(r["user.id"]), "email": r["user.email"], "active": r["user.active"],
             "language": r["user.language"]}
        )
    return out


async def accounts_of_many(customer_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """accounts_of_customers() for a scan of many customers (the reading reminders'): committed
    data through db.rows(), a query per 1000 customers; not for use inside a write transaction."""
    ids = list(customer_ids)
    out: dict[str, list[dict[str, Any]]] = {}
    for i in range(0, len(ids), 1000):
        for customer, uid, email, active, language in await db_rows(
                'SELECT uc.customer, u.id, u.email, u.active, u.language FROM user_customer uc '
                'JOIN ebok_user u ON u.id = uc."user" WHERE uc.customer IN ({each})', each=ids[i:i + 1000]):
            out.setdefault(str(customer), []).append(
                {"id": str(uid), "email": email, "active": bool(active), "language": language})
    return out


async def users_by_role(role: str) -> list[dict[str, Any]]:
    rows = await User.select(User.id, User.name, User.email).where(
        (User.role == role) & User.active.eq(True)
    ).order_by(User.name)
    return [{"id": str(r["id"]), "name": r["name"], "email": r["email"]} for r in rows]


async def user_names(ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await User.select(User.id, User.name).where(User.id.is_in(ids))
    return {str(r["id"]): r["name"] for r in rows}


async def active_customer_ids(user_id: str) -> tuple[str, ...] | None:
    """The customers of an active account (None: no such account, or not active)."""
    try:
        row = await User.select(User.active).where(User.id == user_id).first()
    except ValueError:
        return None
    if not row or not row["active"]:
        return None
    links = await UserCustomer.select(UserCustomer.customer).where(UserCustomer.user == user_id)
    return tuple(str(link["customer"]) for link in links)
