"""All configuration from environment variables, in one frozen Struct (see the README table)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip().lower() for item in value.split(",") if item.strip())


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
    login_max_failures: int = 10  # per person, before each attempt waits an increasing delay
    login_max_failures_per_ip: int = 100  # per IP (a NAT or proxy holds many people)
    login_window_minutes: int = 15
    integration_requests_per_minute: int = 600  # per machine-client token (issue 14)
    activation_hours: int = 72
    reset_minutes: int = 60
    reading_window_days: int = 7  # residents are asked for readings in the last days of a period
    max_daily_litres: int = 5000  # a household above this per day is flagged whatever its history
    review_sample_percent: int = 5  # share of plausible readings the office checks anyway
    run_worker: bool = True  # the outbox worker inside `ebok serve`
    trusted_proxies: bool = False  # take the client IP from X-Forwarded-For
    # /metrics: loopback only by default; these addresses/networks, or the bearer token, too
    metrics_allow: tuple[str, ...] = ()
    metrics_token: str = ""
    log_format: str = "text"  # text | json (one JSON object a line)
    # settlements (backend/billing): builtin (e-BOK issues invoices from tariffs and readings) |
    # external (the utility's billing system sends documents and payments through the integration API)
    billing: str = "builtin"
    external_pdf_max_bytes: int = 10 * 1024 * 1024  # a document's PDF from the billing system
    # stored files (photos, documents): empty = the data directory; s3://BUCKET/PREFIX = object storage
    storage_url: str = ""
    s3_endpoint: str = ""  # e.g. https://s3.example.net (MinIO, Ceph, ...); empty = AWS
    s3_region: str = ""
    registry_upload_retention_days: int = 7  # the office's uploaded registry files and their error lists
    audit_retention_days: int = 1825  # the audit log of staff actions is kept this long (5 years), then purged
    # settlements (backend/billing): the utility as seller and payee
    utility_nip: str = "8471001233"
    utility_address: str = "ul. Kolejowa 31, 19-400 Olecko"
    # the accessibility statement (deklaracja dostępności, /deklaracja-dostepnosci): the act of 4 April 2019
    a11y_published: str = "2026-01-15"  # YYYY-MM-DD: the service's publication
    a11y_updated: str = "2026-12-01"  # YYYY-MM-DD: its last significant update
    a11y_prepared: str = "2026-12-01"  # YYYY-MM-DD: the statement's preparation (self-assessment)
    a11y_status: str = "partial"  # full | partial | none: compliance with the act
    a11y_exceptions: str = ""  # what is not accessible yet and why (empty: nothing known)
    a11y_contact_name: str = "Koordynator ds. dostępności"
    a11y_contact_email: str = ""  # empty: office_email
    a11y_contact_phone: str = ""  # empty: utility_phone
    a11y_building: str = ""  # the office building's architectural accessibility, in Polish
    bank_settlement_number: str = "10901014"  # 8 digits of the bank's branch: the first part of every NRB
    virtual_account_prefix: str = "7770"  # then this and the customer number make the individual account
    payment_days: int = 14  # invoice due date after issue
    reminder_fee_grosze: int = 1000  # cost of an upomnienie (outside VAT)
    reminder_after_days: int = 14  # an invoice this many days past due gets a reminder
    complaint_days: int = 14  # the regulations' deadline to answer a complaint (reklamacja)
    application_days: int = 30  # ... any other application with no deadline of its own in the law
    payment_gateway: str = "sandbox"  # sandbox (the demo gateway inside the app) | przelewy24
    p24_merchant_id: int = 0
    p24_pos_id: int = 0
    p24_crc: str = ""
    p24_api_key: str = ""
    p24_sandbox: bool = True  # sandbox.przelewy24.pl instead of secure.przelewy24.pl
    sandbox_gateway_crc: str = "ebok-sandbox-gateway"  # signs the demo gateway's notifications
    # outage alerts (backend/outages): VAPID `sub`, empty = mailto:<office_email>
    vapid_sub: str = ""
    push_senders: int = max(2, os.cpu_count() or 1)  # outbox jobs that share one large fan-out
    push_in_flight: int = 100  # requests each sender keeps open towards the push services
    # hosts a push endpoint may have: the browsers' push services; "*" = any public host name
    push_services: tuple[str, ...] = ("fcm.googleapis.com", "*.push.services.mozilla.com", "*.push.apple.com",
                                      "*.notify.windows.com")
    # for tests only: hosts (the local push-service stub) whose endpoints may be plain http on any
    # port and resolve to a private address; never set in production
    push_test_hosts: tuple[str, ...] = ()
    # webhooks (backend/webhooks): requests in flight towards the office's endpoints; and, for tests
    # only, hosts (a local receiver) a webhook URL may name over plain http, resolving to a private address
    webhook_in_flight: int = 64
    webhook_test_hosts: tuple[str, ...] = ()
    # an event (its body holds contact data) and its deliveries are deleted this many days after the
    # last of them reached its final state (delivered or given up)
    webhook_retention_days: int = 30
    photo_link_days: int = 7  # how long a signed photo link in an export or the feed opens the photo
    # SMS through SMSAPI.pl (backend/core/sms.py); without a token messages are only logged (demo)
    smsapi_token: str = ""
    smsapi_url: str = "https://api.smsapi.pl"
    sms_sender: str = ""  # a sender name registered with SMSAPI; empty: the account's default
    sms_ascii: bool = False  # Polish letters replaced (GSM-7, 160 a part) instead of UCS-2 (70 a part)
    sms_monthly_limit: int = 10000  # SMS parts a calendar month (Warsaw); 0 = no limit

    @property
    def external_billing(self) -> bool:
        return self.billing == "external"

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
            login_max_failures_per_ip=int(_env("EBOK_LOGIN_MAX_FAILURES_PER_IP", str(d.login_max_failures_per_ip))),
            integration_requests_per_minute=int(_env("EBOK_INTEGRATION_REQUESTS_PER_MINUTE",
                                                     str(d.integration_requests_per_minute))),
            reading_window_days=int(_env("EBOK_READING_WINDOW_DAYS", str(d.reading_window_days))),
            max_daily_litres=int(_env("EBOK_MAX_DAILY_LITRES", str(d.max_daily_litres))),
            review_sample_percent=int(_env("EBOK_REVIEW_SAMPLE_PERCENT", str(d.review_sample_percent))),
            run_worker=_env("EBOK_RUN_WORKER", "1") not in ("0", "false", "no"),
            trusted_proxies=_env("EBOK_TRUSTED_PROXIES", "0") in ("1", "true", "yes"),
            metrics_allow=_list(_env("EBOK_METRICS_ALLOW", "")),
            metrics_token=_env("EBOK_METRICS_TOKEN", ""),
            log_format=_env("EBOK_LOG_FORMAT", "text").lower(),
            billing=_billing(_env("EBOK_BILLING", d.billing)),
            external_pdf_max_bytes=int(_env("EBOK_EXTERNAL_PDF_MAX_BYTES", str(d.external_pdf_max_bytes))),
            storage_url=_env("EBOK_STORAGE_URL", "").strip(),
            s3_endpoint=_env("EBOK_S3_ENDPOINT", "").strip(),
            s3_region=_env("EBOK_S3_REGION", "").strip(),
            registry_upload_retention_days=max(1, int(_env("EBOK_REGISTRY_UPLOAD_RETENTION_DAYS",
                                                           str(d.registry_upload_retention_days)))),
            audit_retention_days=max(1, int(_env("EBOK_AUDIT_RETENTION_DAYS", str(d.audit_retention_days)))),
            utility_nip=_env("EBOK_UTILITY_NIP", d.utility_nip),
            utility_address=_env("EBOK_UTILITY_ADDRESS", d.utility_address),
            a11y_published=_env("EBOK_A11Y_PUBLISHED", d.a11y_published),
            a11y_updated=_env("EBOK_A11Y_UPDATED", d.a11y_updated),
            a11y_prepared=_env("EBOK_A11Y_PREPARED", d.a11y_prepared),
            a11y_status=_env("EBOK_A11Y_STATUS", d.a11y_status),
            a11y_exceptions=_env("EBOK_A11Y_EXCEPTIONS", d.a11y_exceptions),
            a11y_contact_name=_env("EBOK_A11Y_CONTACT_NAME", d.a11y_contact_name),
            a11y_contact_email=_env("EBOK_A11Y_CONTACT_EMAIL", d.a11y_contact_email),
            a11y_contact_phone=_env("EBOK_A11Y_CONTACT_PHONE", d.a11y_contact_phone),
            a11y_building=_env("EBOK_A11Y_BUILDING", d.a11y_building),
            bank_settlement_number=_env("EBOK_BANK_SETTLEMENT_NUMBER", d.bank_settlement_number),
            virtual_account_prefix=_env("EBOK_VIRTUAL_ACCOUNT_PREFIX", d.virtual_account_prefix),
            payment_days=int(_env("EBOK_PAYMENT_DAYS", str(d.payment_days))),
            reminder_fee_grosze=int(_env("EBOK_REMINDER_FEE_GROSZE", str(d.reminder_fee_grosze))),
            reminder_after_days=int(_env("EBOK_REMINDER_AFTER_DAYS", str(d.reminder_after_days))),
            complaint_days=int(_env("EBOK_COMPLAINT_DAYS", str(d.complaint_days))),
            application_days=int(_env("EBOK_APPLICATION_DAYS", str(d.application_days))),
            payment_gateway=_env("EBOK_PAYMENT_GATEWAY", d.payment_gateway),
            p24_merchant_id=int(_env("EBOK_P24_MERCHANT_ID", "0")),
            p24_pos_id=int(_env("EBOK_P24_POS_ID", "0")),
            p24_crc=_env("EBOK_P24_CRC", ""),
            p24_api_key=_env("EBOK_P24_API_KEY", ""),
            p24_sandbox=_env("EBOK_P24_SANDBOX", "1") in ("1", "true", "yes"),
            sandbox_gateway_crc=_env("EBOK_SANDBOX_GATEWAY_CRC", d.sandbox_gateway_crc),
            vapid_sub=_env("EBOK_VAPID_SUB", ""),
            push_senders=max(1, int(_env("EBOK_PUSH_SENDERS", str(d.push_senders)))),
            push_in_flight=max(1, int(_env("EBOK_PUSH_IN_FLIGHT", str(d.push_in_flight)))),
            push_services=_list(_env("EBOK_PUSH_SERVICES", ",".join(d.push_services))),
            push_test_hosts=_list(_env("EBOK_PUSH_TEST_HOSTS", "")),
            webhook_in_flight=max(1, int(_env("EBOK_WEBHOOK_IN_FLIGHT", str(d.webhook_in_flight)))),
            webhook_test_hosts=_list(_env("EBOK_WEBHOOK_TEST_HOSTS", "")),
            webhook_retention_days=max(1, int(_env("EBOK_WEBHOOK_RETENTION_DAYS", str(d.webhook_retention_days)))),
            photo_link_days=max(1, int(_env("EBOK_PHOTO_LINK_DAYS", str(d.photo_link_days)))),
            smsapi_token=_env("EBOK_SMSAPI_TOKEN", ""),
            smsapi_url=_env("EBOK_SMSAPI_URL", d.smsapi_url).rstrip("/"),
            sms_sender=_env("EBOK_SMS_SENDER", ""),
            sms_ascii=_env("EBOK_SMS_ASCII", "0") in ("1", "true", "yes"),
            sms_monthly_limit=int(_env("EBOK_SMS_MONTHLY_LIMIT", str(d.sms_monthly_limit))),
        )


def _billing(value: str) -> str:
    value = value.strip().lower()
    if value not in ("builtin", "external"):
        raise ValueError(f"EBOK_BILLING must be builtin or external, not {value!r}")
    return value


def _dependency_marker() -> Any:
    from litestar.di import NamedDependency

    return NamedDependency[Settings]


# Handlers declare `settings: SettingsDep`; the app provides the one Settings instance.
SettingsDep = _dependency_marker()
