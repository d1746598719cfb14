"""The RODO export: everything the system holds about a resident's account and customers, as a ZIP
of JSON (one file with every table) + CSV (one per table) + the files (meter photos, documents,
contact attachments).

Every table of every app must be listed here: either how to find the rows of this person
(`BY_CUSTOMER`, `BY_USER`, `login_attempt`) or, in `NO_CUSTOMER_DATA`, why it holds none.
tests/api/test_privacy.py lists all tables and fails when a new one is in neither, so a new domain
cannot forget the export. Rows are read generically by following foreign keys from the table to the
customer or the account; secrets (password hashes, session and token hashes) are left out."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from piccolo.conf.apps import Finder
from piccolo.table import Table

# table -> foreign-key path from it to the customer's id
BY_CUSTOMER: dict[str, str] = {
    "customer": "id",
    "service_point": "customer",
    "meter": "service_point.customer",
    # the customer the reading was given for, not the point's present one: after a change of
    # customer the previous one's readings stay theirs (readings.customer)
    "reading": "customer",
    "consent_event": "customer",
    "customer_document": "customer",
    "contact_thread": "customer",
    "contact_message": "thread.customer",
    "contact_attachment": "message.thread.customer",
    "application": "customer",
    "application_attachment": "application.customer",
    # billing (its tables are read like everyone's; invoices and payments are the customer's data)
    "document": "customer",
    "document_line": "document.customer",
    "reminder_item": "reminder.customer",
    "billed_meter": "document.customer",
    "payment": "customer",
    "allocation": "document.customer",
    "online_payment": "customer",
    # inspections: a visit checks one meter of the customer
    "inspection_visit": "meter.service_point.customer",
}

# table -> foreign-key path from it to the account's id
BY_USER: dict[str, str] = {
    "ebok_user": "id",
    "user_customer": "user",
    "ebok_session": "user",
    "one_time_token": "user",
    "email_change": "user",
    "idempotency_key": "user",
    "deletion_request": "user",
    "push_subscription": "user",
    "alert_email": "user_id",
}

# table -> (its column, exported table, that table's column): rows linked without a foreign key
DERIVED: dict[str, tuple[str, str, str]] = {
    "push_delivery": ("subscription_id", "push_subscription", "id"),
    "sms_message": ("customer", "customer", "id"),  # the SMS sent to the customer's phone
    "reminder": ("customer", "customer", "id"),  # reading reminders sent to the customer
    "notice": ("customer", "customer", "id"),  # notices about the customer's readings, bills, payments, outages
    # the audit log's entries about the customer's registry data (before/after of each change)
    "audit_entry": ("customer_id", "customer", "id"),
    # the utility's machine clients' tokens have no owner; a resident's own read-only tokens name the account
    "api_token": ("owner", "ebok_user", "id"),
}

# failed logins and reset requests are keyed by the login typed in (see accounts.services), the
# login throttle by the account (accounts/throttle.py)
BY_LOGIN_KEY = {"login_attempt", "login_throttle"}

NO_CUSTOMER_DATA: dict[str, str] = {
    "outbox_job": "delivery queue: each mail is composed from the data exported above and deleted work is "
                  "not a record about the person",
    "setting": "generated secrets of the installation (CSRF key, VAPID keys)",
    "public_document": "documents published for everybody (price lists, forms)",
    "tariff": "the utility's prices",
    "number_sequence": "counters of document numbers",
    "statement_import": "a bank statement file as imported (who imported it is staff); each customer's "
                        "payments from it are exported from `payment`",
    "billing_run": "a record of the office running the billing",
    "outage": "outages on streets, published for everybody",
    "outage_publication": "the published text of an outage",
    "inspection_route": "an inspector's work plan (staff data); the visits at the customer's meters are exported",
    "api_rate_window": "how many requests each of those tokens made in a minute",
    "webhook_endpoint": "the utility's own systems' webhook addresses and their signing secrets",
    "webhook_event": "copies of changes (a reading, a payment, a contact or consent change) sent to the utility's "
                     "own systems by webhook; each fact is exported from its own table above",
    "webhook_delivery": "when each of those copies reached which of the utility's systems, and its answer",
    "registry_import": "a registry file the office imported (who imported it is staff); the customers, points and "
                       "meters it wrote are exported from their own tables",
    "registry_lock": "which staff member has the registry import in hand (one row while an import is open)",
    "reading_change": "the integration feed's order of reading events (a reading's id and status at the time); "
                      "the readings and their statuses are exported from `reading`",
    "payment_report": "the payments feed's order of online payments (a payment's id); the payments are "
                      "exported from `payment`",
}

# columns never exported: secrets, or hashes that only identify secrets
OMIT: dict[str, set[str]] = {
    "ebok_user": {"password_hash"},
    "ebok_session": {"id"},
    "one_time_token": {"id"},
    "email_change": {"id"},
    "idempotency_key": {"request_hash", "response"},
    "api_token": {"token_hash"},
}


def all_tables() -> dict[str, type[Table]]:
    tables: dict[str, type[Table]] = {}
    for app in Finder().get_app_registry().app_configs.values():
        for table in app.table_classes:
            tables[table._meta.tablename] = table
    return tables


def uncovered_tables() -> list[str]:
    """Tables that are neither exported nor declared free of customer data."""
    known = set(BY_CUSTOMER) | set(BY_USER) | set(DERIVED) | BY_LOGIN_KEY | set(NO_CUSTOMER_DATA)
    return sorted(set(all_tables()) - known)


def _path(table: type[Table], path: str) -> Any:
    column: Any = table
    for part in path.split("."):
        column = getattr(column, part)
    return column


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


async def _rows(table: type[Table], path: str, ids: Sequence[Any]) -> list[dict[str, Any]]:
    if not ids:
        return []
    omit = OMIT.get(table._meta.tablename, set())
    columns = [c for c in table._meta.columns if c._meta.name not in omit]
    rows = await table.select(*columns).where(_path(table, path).is_in(list(ids))).order_by(table._meta.primary_key)
    return [{k: _plain(v) for k, v in r.items()} for r in rows]


async def collect(user_id: str, email: str, customer_ids: Sequence[str], customer_numbers: Sequence[str]
                  ) -> dict[str, list[dict[str, Any]]]:
    tables = all_tables()
    data: dict[str, list[dict[str, Any]]] = {}
    for name, path in BY_CUSTOMER.items():
        if name in tables:
            data[name] = await _rows(tables[name], path, list(customer_ids))
    for name, path in BY_USER.items():
        if name in tables:
            data[name] = await _rows(tables[name], path, [user_id])
    for name, (column, source, source_column) in DERIVED.items():
        if name in tables:
            ids = [r[source_column] for r in data.get(source, [])]
            data[name] = await _rows(tables[name], column, ids)
    if "login_attempt" in tables:
        table = tables["login_attempt"]
        keys = [f"login:{email}", f"reset:{email}", *(f"login:{n}" for n in customer_numbers)]
        rows = await table.select().where(table.key.is_in(keys)).order_by(table.at)  # type: ignore[attr-defined]
        data["login_attempt"] = [{k: _plain(v) for k, v in r.items()} for r in rows]
    if "login_throttle" in tables:
        table = tables["login_throttle"]
        keys = [f"user:{user_id}", f"login:{email}", *(f"login:{n}" for n in customer_numbers)]
        rows = await table.select().where(table.key.is_in(keys))  # type: ignore[attr-defined]
        data["login_throttle"] = [{k: _plain(v) for k, v in r.items()} for r in rows]
    return data


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                             for k, v in r.items()})
    return "\ufeff" + buffer.getvalue()  # BOM: spreadsheets open Polish characters right


README = """Eksport danych z e-BOK ({utility}), {when}

dane.json        wszystkie dane w jednym pliku (tabela -> wiersze)
csv/<tabela>.csv te same dane, jedna tabela na plik (średnik jako separator)
zdjecia/         zdjęcia wodomierzy dołączone do odczytów
dokumenty/       dokumenty (PDF) udostępnione w e-BOK
kontakt/         załączniki wiadomości do biura

Czasy są w UTC, objętości w litrach, kwoty w groszach.
"""


def write_zip(target: Path, data: dict[str, list[dict[str, Any]]], files: list[tuple[str, bytes]],
              readme: str) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.txt", readme)
        z.writestr("dane.json", json.dumps(data, ensure_ascii=False, indent=1))
        for name, rows in data.items():
            z.writestr(f"csv/{name}.csv", _csv(rows))
        for arcname, content in files:
            z.writestr(arcname, content, compress_type=zipfile.ZIP_STORED)  # JPEG and PDF are compressed already
