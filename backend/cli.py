"""`ebok serve | demo | migrate | worker | bill | create-user | import registry | token | export | backup | restore`."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import gc
import io
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
T = TypeVar("T")

DEMO_PASSWORD = "demo-ebok-2026"  # noqa: S105 - the published demo logins
DEMO_LOGINS = [
    ("mieszkaniec / resident", "anna.nowak@example.com (lub numer klienta 100001)"),
    ("inkasent / inspector", "inkasent@example.com"),
    ("biuro / staff", "biuro@example.com"),
]


def _logging() -> None:
    from backend.core import logs

    logs.configure(os.environ.get("EBOK_LOG_FORMAT", "text").lower())


def _migrate() -> None:
    """Run the migrations; with JSON logs Piccolo's own report (printed banners) becomes one record."""
    import contextlib
    import io
    import logging

    from backend.core import db

    if os.environ.get("EBOK_LOG_FORMAT", "text").lower() != "json":
        _with_db(db.migrate)
        return
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        _with_db(db.migrate)
    logging.getLogger("ebok").info("migrations complete")


def _with_db(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run one coroutine with the database pool open (PostgreSQL needs it)."""
    from backend.core import db

    async def run() -> T:
        await db.start()
        try:
            return await coro_fn()
        finally:
            await db.stop()

    return asyncio.run(run())


def _metrics_folder() -> None:
    """`ebok serve` and `ebok worker` write their counters into one folder (backend/core/multiproc.py)
    and a scrape of any serving process adds them up; before prometheus-client is imported."""
    from backend.core import multiproc
    from backend.settings import Settings

    multiproc.prepare(Settings.from_env().data_dir)


def _serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from backend.core import logs
    from backend.settings import Settings

    settings = Settings.from_env()
    if not os.environ.get("EBOK_BASE_URL"):
        # links in e-mails must point at where this server actually listens
        os.environ["EBOK_BASE_URL"] = f"http://{host}:{port}"
        if host in ("0.0.0.0", "::"):  # noqa: S104
            os.environ["EBOK_BASE_URL"] = settings.base_url
    uvicorn.run(
        "backend.app:create_app", factory=True, host=host, port=port, workers=workers,
        proxy_headers=settings.trusted_proxies, log_level="info", server_header=False,
        # SIGTERM: requests in flight get this long, then the outbox worker its own STOP_GRACE
        timeout_graceful_shutdown=10,
        log_config=logs.logging_config(settings.log_format),
    )


@click.group()
def main() -> None:
    """e-BOK: the self-service office of a water and sewage utility."""


@main.command()
def migrate() -> None:
    """Run the database migrations."""
    _logging()
    _migrate()
    click.echo("Migrations complete.")


host_option = click.option("--host", default="127.0.0.1", show_default=True)
port_option = click.option("--port", default=8000, show_default=True, type=int)


@main.command()
@host_option
@port_option
@click.option("--workers", default=1, show_default=True, help="server processes")
def serve(host: str, port: int, workers: int) -> None:
    """Migrate, then serve the app (with the outbox worker inside)."""
    _metrics_folder()
    _logging()
    _migrate()
    _serve(host, port, workers)


@main.command()
@host_option
@port_option
@click.option("--customers", default=300, show_default=True, help="how many demo customers")
@click.option("--no-serve", is_flag=True, help="load the data and exit")
def demo(host: str, port: int, customers: int, no_serve: bool) -> None:
    """Create the database with demo data (once) and serve it."""
    from backend.core import db
    from backend.demo.load import load_demo
    from backend.settings import Settings

    _logging()

    async def prepare():
        await db.migrate()
        return await load_demo(customers)

    result = _with_db(prepare)
    settings = Settings.from_env()
    where = settings.database_url.split("@")[-1] if settings.database_url else str(settings.sqlite_path)
    if result.created:
        click.echo(f"\nDemo data loaded into {where}: {result.customers} customers, {result.service_points} "
                   f"service points, {result.meters} meters, {result.readings} readings.")
    else:
        click.echo(f"\nDemo data already in {where}: reusing it.")
    url = os.environ.get("EBOK_BASE_URL") or f"http://{host}:{port}"
    click.echo(f"\n  e-BOK {settings.utility_name}: {url}\n")
    click.echo(f"  Demo logins (password: {DEMO_PASSWORD}):")
    for role, login in DEMO_LOGINS:
        click.echo(f"    {role:24} {login}")
    if not settings.smtp_url:
        click.echo(f"  E-mails (activation links) are written to {settings.data_dir / 'mail'}/*.eml\n")
    sys.stdout.flush()
    if not no_serve:
        _serve(host, port, 1)


@main.command()
def worker() -> None:
    """Process the outbox (mail, push) without serving HTTP; run as many as needed."""
    from backend.settings import Settings

    _metrics_folder()  # before backend.app imports prometheus-client
    from backend.app import outbox_workers

    _logging()

    async def run() -> None:
        import signal

        workers = outbox_workers(Settings.from_env())
        loop, stops = asyncio.get_running_loop(), list[asyncio.Future[None]]()
        for sig in (signal.SIGTERM, signal.SIGINT):  # stop claiming, put back what is in hand, exit
            loop.add_signal_handler(sig, lambda: stops.extend(asyncio.ensure_future(w.stop()) for w in workers))
        for worker in workers:
            worker.start()
        tasks = [w._task for w in workers if w._task is not None]
        while any(not t.done() for t in tasks):
            await asyncio.wait(tasks)
        for stop in stops:
            await stop

    try:
        _with_db(run)
    finally:
        from backend.core import multiproc

        multiproc.process_exited()


@main.command()
@click.option("--period", required=True, help="YYYY-MM: bill the periods that end with this month")
@click.option("--no-mail", is_flag=True,
              help="do not e-mail the invoices to e-Faktura customers nor send the customers notices of them")
def bill(period: str, no_mail: bool) -> None:
    """Issue the invoices of a billing period (a rerun issues nothing twice), then reminders."""
    from backend.billing.run import run_billing
    from backend.core import db
    from backend.core.errors import ApiError
    from backend.settings import Settings

    _logging()

    async def run():
        await db.migrate()
        return await run_billing(Settings.from_env(), period, notify=not no_mail)

    try:
        r = _with_db(run)
    except ApiError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Period {r.period}: {r.invoices} invoices ({r.estimated} estimated), {r.reminders} reminders "
               f"in {r.seconds:.1f} s.")


@main.command("create-user")
@click.option("--role", type=click.Choice(["staff", "inspector"]), required=True)
@click.option("--email", required=True)
@click.option("--name", default="", help="display name (defaults to the e-mail)")
def create_user(role: str, email: str, name: str) -> None:
    """Create a staff or inspector account; an activation link is e-mailed."""
    from backend.accounts import services
    from backend.core.errors import ApiError
    from backend.settings import Settings

    _logging()
    settings = Settings.from_env()

    async def run():
        from backend.app import outbox_handlers
        from backend.core import db
        from backend.core.outbox import Worker

        await db.migrate()
        user_id = await services.create_user(settings, email, name or email, role)
        await Worker(handlers=outbox_handlers(settings)).run_once()  # send the link now
        return user_id

    try:
        user_id = _with_db(run)
    except ApiError as exc:
        raise click.ClickException(exc.message) from exc
    where = "sent over SMTP" if settings.smtp_url else f"written to {settings.data_dir / 'mail'}"
    click.echo(f"Created {role} {email} ({user_id}); activation link {where}.")


@main.group("import")
def import_group() -> None:
    """Import data from the utility's other systems."""


def _m3(litres: int) -> str:
    return f"{litres / 1000:.3f}".replace(".", ",")


def _print_plan(plan: Any, full: bool, list_limit: int) -> None:
    names = {"customer": "customers", "point": "service points", "meter": "meters"}
    for kind, label in names.items():
        ended = f", {len(plan.end[kind])} to end" if full else ""
        click.echo(f"{label.capitalize()}: {len(plan.add[kind])} to add, {len(plan.change[kind])} to change{ended}")
        finals = {f.serial: f for f in plan.finals} if kind == "meter" else {}
        for key in plan.add[kind][:list_limit]:
            final = finals.get(key)  # installed and taken off since the billing system's last file
            click.echo(f"  add {kind} {key}" + (f" (ends on {final.removed_on} with final reading "
                                                 f"{_m3(final.litres)} m³)" if final else ""))
        if len(plan.add[kind]) > list_limit:
            click.echo(f"  ... and {len(plan.add[kind]) - list_limit} more {label} to add")
        for change in plan.change[kind]:
            removed = change.fields.get("removed_on", (None, None))
            if kind == "meter" and removed[0] is None and removed[1] is not None:  # taken off its point
                final = change.fields.get("final_litres", (None, None))[1]
                reading = f" with final reading {_m3(final)} m³" if final is not None else ""
                successor = change.fields.get("replaced_by", (None, None))[1]
                click.echo(f"  meter {change.key} ends on {removed[1]}{reading}"
                           f"{f' (replaced by {successor})' if successor else ''}")
                continue
            fields = "; ".join(f"{f}: {before!s} -> {after!s}" for f, (before, after) in change.fields.items())
            click.echo(f"  change {kind} {change.key}: {fields}")
        for key in plan.end[kind]:
            click.echo(f"  end {kind} {key}")


@import_group.command("registry")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="show the plan and the errors, change nothing")
@click.option("--full", is_flag=True, help="the file is the whole registry: end what it does not list")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help='JSON {"the file\'s header": "import column"} for headers the import does not know')
@click.option("--list", "list_limit", default=20, show_default=True, help="how many additions to list per kind")
def import_registry(file: Path, dry_run: bool, full: bool, mapping: Path | None, list_limit: int) -> None:
    """Import customers, service points and meters from a CSV or XLSX export of the billing system."""
    from backend.core import db
    from backend.core.clock import today_in_warsaw
    from backend.customers import registry
    from backend.customers.registry_file import RegistryFileError, load_mapping, read_table
    from backend.readings.services import registry_readings

    try:
        table = read_table(file, load_mapping(mapping) if mapping else None)
    except RegistryFileError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    if table.ignored:
        click.echo(f"Ignored columns: {', '.join(table.ignored)}")
    # a short run that builds ~1M dicts and frees them at exit: the cyclic GC would only re-scan them
    gc.disable()
    with click.progressbar(length=len(table.rows), label=f"Checking {len(table.rows)} rows", file=sys.stderr) as bar:
        records = registry.validate(table, bar.update)
    table.rows.clear()  # the cells live on in the records; the rows' dicts need not

    async def run() -> registry.Plan:
        with contextlib.redirect_stdout(io.StringIO()):  # the migrations' chatter stays off the plan
            await db.migrate()
        if dry_run:
            return await registry.build_plan(records, full, today_in_warsaw(), registry_readings)
        async with db.transaction():  # the comparison and the writes see the same registry
            plan = await registry.build_plan(records, full, today_in_warsaw(), registry_readings)
            if not plan.errors and not plan.empty:
                with click.progressbar(length=plan.size, label="Writing", file=sys.stderr) as bar:
                    await registry.apply(plan, bar.update, readings=registry_readings)
        return plan

    plan = _with_db(run)
    _print_plan(plan, full, list_limit)
    for c in plan.conflicts:
        click.echo(f"conflict: customer {c.key} {c.field}: kept '{c.ebok}' changed in e-BOK on "
                   f"{str(c.changed_at)[:10]}, the file has '{c.file}' (update the billing system)")
    if plan.errors:
        for e in plan.errors:
            click.echo(f"line {e.line}, column {e.column or '-'}: {e.reason}")
        click.echo(f"{len(plan.errors)} errors: nothing was imported.", err=True)
        sys.exit(1)
    if plan.empty:
        click.echo("Nothing changed: the registry already matches the file.")
    elif dry_run:
        click.echo("Dry run: nothing was changed.")
    else:
        click.echo(f"Imported: {sum(map(len, plan.add.values()))} added, {sum(map(len, plan.change.values()))} changed, "
                   f"{sum(map(len, plan.end.values()))} ended.")


def _external_import(kind: str, file: Path) -> None:
    """ebok import documents|payments: every row checked, then all written or none."""
    from backend.billing import services as billing
    from backend.billing.external_file import FileInvalid
    from backend.core import db
    from backend.core.errors import ApiError
    from backend.settings import Settings

    try:
        items, lines, errors = (billing.read_documents_file if kind == "documents" else billing.read_payments_file)(file)
    except (FileInvalid, UnicodeDecodeError, csv.Error, StopIteration) as exc:
        raise click.ClickException(f"{file}: {exc or 'not a CSV file'}") from exc

    def report(found: list[Any]) -> None:
        for e in found:
            click.echo(f"line {e.item}, column {e.field}: {e.message} ({e.code})")
        click.echo(f"{len(found)} errors: nothing was imported.", err=True)
        sys.exit(1)

    if errors:
        report(errors)

    async def run() -> tuple[list[str], list[str]]:
        with contextlib.redirect_stdout(io.StringIO()):
            await db.migrate()
        settings = Settings.from_env()
        if kind == "documents":
            return await billing.import_documents(settings, items)
        return await billing.import_payments(settings, items)

    try:
        done, known = _with_db(run)
    except billing.BatchInvalid as exc:  # items numbered 1.. in file order: name their lines
        report([billing.ItemError(lines[e.item - 1], e.field, e.code, e.message) for e in exc.errors])
        return
    except ApiError as exc:
        raise click.ClickException(exc.message) from exc
    what = "documents" if kind == "documents" else "payments"
    click.echo(f"Imported {len(done)} {what}; {len(known)} {'unchanged' if kind == 'documents' else 'known already'}"
               f" ({'sent before' if kind == 'documents' else 'a no-op, never a second payment'}).")


@import_group.command("documents")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_documents(file: Path) -> None:
    """External billing: invoices, corrections and reminders with their PDFs from a CSV (README)."""
    _external_import("documents", file)


@import_group.command("payments")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_payments(file: Path) -> None:
    """External billing: payments the billing system booked, from a CSV (README); an external id known is a no-op."""
    _external_import("payments", file)


# --- machine clients (issue 14) -----------------------------------------------------------------------


@main.group()
def token() -> None:
    """API tokens of machine clients (the integration API, /api/integration/)."""


def _api_call(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Against a migrated database (`ebok migrate` or `serve` ran): these are quick commands."""
    from backend.core.errors import ApiError

    try:
        return _with_db(coro_fn)
    except ApiError as exc:
        raise click.ClickException(exc.message) from exc


@token.command("create")
@click.option("--name", required=True, help="who uses it, unique (e.g. the billing system's name)")
@click.option("--scope", "scopes", multiple=True, required=True,
              help="readings:read, registry:write, documents:write or payments:write; repeat for several")
def token_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a token; it is printed once, as the last line, and only its hash is kept."""
    from backend.integration import services

    secret = _api_call(lambda: services.create_token(name, list(scopes)))
    click.echo(f"Token {name!r} created with {', '.join(sorted(set(scopes)))}. It is shown only now; "
               "send it as 'Authorization: Bearer <token>':")
    click.echo(secret)


@token.command("list")
def token_list() -> None:
    """The tokens: name, scopes, when created and last used (revoked ones marked)."""
    from backend.integration import services

    rows = _api_call(services.list_tokens)
    if not rows:
        click.echo("No tokens.")
    for t in rows:
        state = f"  REVOKED {t.revoked_at}" if t.revoked_at else ""
        click.echo(f"{t.name}\t{','.join(t.scopes)}\tcreated {t.created_at}\t"
                   f"last used {t.last_used_at or 'never'}{state}")


@token.command("revoke")
@click.argument("name")
def token_revoke(name: str) -> None:
    """Revoke a token at once: its next request is answered 401."""
    from backend.integration import services

    _api_call(lambda: services.revoke_token(name))
    click.echo(f"Token {name!r} revoked.")


@main.group()
def export() -> None:
    """Data out to files."""


@export.command("readings")
@click.option("--period", required=True, help="YYYY-MM: the readings captured in this month (Polish time)")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="csv", show_default=True)
@click.option("--status", "statuses", multiple=True,
              help="accepted, flagged, rejected, confirmed or corrected; repeat for several (default: all)")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="the file to write (default: standard output; xlsx needs a file)")
def export_readings(period: str, fmt: str, statuses: tuple[str, ...], out: str | None) -> None:
    """One row per reading: customer, point, meter, value, times, source, status, flags."""
    from backend.integration import export as exporter
    from backend.readings import services

    if fmt == "xlsx" and not out:
        raise click.UsageError("--format xlsx needs --out FILE")
    from backend.settings import Settings

    rows = services.with_photo_links(Settings.from_env(), _api_call(lambda: services.period_readings(period,
                                                                                                    list(statuses))))
    data = exporter.render(rows, fmt)
    if out:
        with open(out, "wb") as f:
            f.write(data)
        click.echo(f"{len(rows)} readings of {period} written to {out}.", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


# --- backup and restore (issue 17) ------------------------------------------------------------------


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup(folder: Path) -> None:
    """Copy the database, the stored files and a manifest into FOLDER while the app runs.

    FOLDER must be new, empty or a previous backup, which is replaced only once the new one is complete."""
    from backend.core import backup as bk
    from backend.settings import Settings

    _logging()
    try:
        r = asyncio.run(bk.backup(Settings.from_env(), folder))
    except bk.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup in {r.folder}: {r.rows} rows in {r.tables} tables, {r.files} files, "
               f"{_megabytes(r.bytes)}, {r.seconds:.1f} s.")


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore(folder: Path) -> None:
    """Restore a backup into an empty data directory and an empty database (DATABASE_URL).

    Every checksum is checked first; then run `ebok migrate` (or `ebok serve`, which migrates)."""
    from backend.core import backup as bk
    from backend.settings import Settings

    _logging()
    try:
        r = asyncio.run(bk.restore(Settings.from_env(), folder))
    except bk.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {r.rows} rows in {r.tables} tables and {r.files} files from {folder} "
               f"in {r.seconds:.1f} s.")


if __name__ == "__main__":
    main()
