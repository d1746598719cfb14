"""All configuration from environment variables, in one frozen Struct (see the README table)."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = ""  # empty: SQLite file in data_dir
    data_dir: Path = ROOT / "var"
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = ""  # smtp://user:pass@host:port or smtps://...; empty: .eml files in var/mail
    mail_from: str = "e-BOK Wodociągi Demo <ebok@wodociagi-demo.pl>"
    office_email: str = "bok@wodociagi-demo.pl"
    utility_name: str = "Wodociągi Demo"
    utility_short_name: str = "e-BOK"
    utility_phone: str = "87 523 00 26"
    utility_hours: str = "pon.–pt. 7:00–15:00"
    utility_emergency_phone: str = "694 971 390"
    session_idle_minutes: int = 30
    session_remember_days: int = 30
    login_max_failures: int = 10
    login_window_minutes: int = 15
    activation_hours: int = 72
    reset_minutes: int = 60
    reading_window_days: int = 7  # residents are asked for readings in the last days of a period
    max_daily_litres: int = 5000  # a household above this per day is flagged whatever its history
    run_worker: bool = True  # the outbox worker inside `ebok serve`
    trusted_proxies: bool = False  # take the client IP from X-Forwarded-For

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "ebok.sqlite3"

    @property
    def secure_cookies(self) -> bool:
        # Secure everywhere except plain-http localhost, where browsers would drop the cookie
        return not self.base_url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))

    @classmethod
    def from_env(cls) -> Settings:
        d = cls()
        return cls(
            database_url=_env("DATABASE_URL", ""),
            data_dir=Path(_env("EBOK_DATA_DIR", str(d.data_dir))).resolve(),
            base_url=_env("EBOK_BASE_URL", d.base_url).rstrip("/"),
            smtp_url=_env("SMTP_URL", ""),
            mail_from=_env("EBOK_MAIL_FROM", d.mail_from),
            office_email=_env("EBOK_OFFICE_EMAIL", d.office_email),
            utility_name=_env("EBOK_UTILITY_NAME", d.utility_name),
            utility_phone=_env("EBOK_UTILITY_PHONE", d.utility_phone),
            utility_hours=_env("EBOK_UTILITY_HOURS", d.utility_hours),
            utility_emergency_phone=_env("EBOK_EMERGENCY_PHONE", d.utility_emergency_phone),
            session_idle_minutes=int(_env("EBOK_SESSION_IDLE_MINUTES", str(d.session_idle_minutes))),
            login_max_failures=int(_env("EBOK_LOGIN_MAX_FAILURES", str(d.login_max_failures))),
            reading_window_days=int(_env("EBOK_READING_WINDOW_DAYS", str(d.reading_window_days))),
            max_daily_litres=int(_env("EBOK_MAX_DAILY_LITRES", str(d.max_daily_litres))),
            run_worker=_env("EBOK_RUN_WORKER", "1") not in ("0", "false", "no"),
            trusted_proxies=_env("EBOK_TRUSTED_PROXIES", "0") in ("1", "true", "yes"),
        )


def _dependency_marker():  # type: ignore[no-untyped-def]
    from litestar.di import NamedDependency

    return NamedDependency[Settings]


# Handlers declare `settings: SettingsDep`; the app provides the one Settings instance.
SettingsDep = _dependency_marker()
