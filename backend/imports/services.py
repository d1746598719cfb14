"""The registry import as the office runs it from the PWA (Kartoteka): the same reading, checking
and plan as `ebok import registry` (backend/customers/registry.py), in outbox jobs so that any
server or `ebok worker` process may run them, and one at a time.

An upload takes the lock (one row in registry_lock: its primary key is the lock, on SQLite and
PostgreSQL alike, across processes) and is checked by the job `registry_check`: the plan and the
errors are stored with the import. Applying it is the job `registry_apply`, which compares and
writes in one transaction like the command line. The lock goes when the import is applied,
fails, or is discarded; an import left unapplied for STALE may be taken over by another person.
The uploaded file and the list of its errors are stored files (core/storage: the data directory, or
the object store with EBOK_STORAGE_URL, never public), so the job may run in any process on any
machine and a backup holds the uploads still in hand. The upload goes once the import is applied,
refused or discarded; the errors' list and any file left (a failed or abandoned import) go after
EBOK_REGISTRY_UPLOAD_RETENTION_DAYS (the daily job `imports.purge`, which also discards an import
left open that long).
Progress: rows read and entries written, kept in the job's process and written to the import's
row every second (while the write transaction holds SQLite's only write lock, the row is left
alone and the poll answered by the job's own process tells the count)."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import csv
import io
import json
import logging
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from backend.audit import services as audit
from backend.core import storage
from backend.core.clock import now, today_in_warsaw
from backend.core.db import is_postgres, is_unique_violation, json_column, json_list, transaction
from backend.core.errors import ApiError, not_found
from backend.core.files import is_uuid
from backend.core.outbox import GiveUp, enqueue
from backend.customers import registry
from backend.customers.registry_file import MAX_BYTES, CellError, RegistryFileError, message, read_table
from backend.imports.tables import RegistryImport, RegistryLock
from backend.readings import services as readings
from backend.settings import Settings

log = logging.getLogger("ebok.imports")

CHECK_JOB = "registry_check"
APPLY_JOB = "registry_apply"
PURGE_JOB = "imports.purge"
FOLDER = "registry-imports"  # the storage folder of uploads and their errors
LOCK_ID = "registry"
STALE = timedelta(minutes=30)  # an upload nobody applies or discards for this long can be taken over
SHOWN_ERRORS = 100
LISTED = 20  # entries named per kind and kind of change
KINDS = ("customer", "point", "meter")


@dataclass
class Staff:
    """Who works with the import (the caller's user: the registry does not read accounts)."""

    id: str
    name: str
    language: str = "pl"


def upload_key(import_id: str) -> str:
    return storage.file_key(FOLDER, import_id, ".upload")


def errors_key(import_id: str) -> str:
    return storage.file_key(FOLDER, import_id, ".errors.json")


# --- the lock ---------------------------------------------------------------------------------


def busy(holder: dict[str, Any]) -> ApiError:
    return ApiError("registry_busy", f"{holder['by_name']} is importing the registry", 409,
                    extra={"params": {"by": holder["by_name"], "since": holder["since"].isoformat()}})


async def holder() -> dict[str, Any] | None:
    return await RegistryLock.select().where(RegistryLock.id == LOCK_ID).first()


async def _take_lock(settings: Settings, staff: Staff, import_id: uuid.UUID) -> None:
    """The lock for this person's new upload: free, theirs (a new file replaces their unapplied one),
    or left untouched for STALE; otherwise 409 naming who has it."""
    for _ in range(3):
        t = now()
        try:
            await RegistryLock.insert(RegistryLock(id=LOCK_ID, import_id=import_id, by_user=staff.id,
                                                   by_name=staff.name, since=t, touched_at=t))
            return
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
        held = await holder()
        if held is None:
            continue
        previous = await RegistryImport.select(RegistryImport.status).where(
            RegistryImport.id == held["import_id"]).first()
        applying = previous is not None and previous["status"] == "applying"
        if applying or (str(held["by_user"]) != staff.id and held["touched_at"] > t - STALE):
            raise busy(held)
        async with transaction():  # the very row seen: another taker may have been quicker
            gone = await RegistryLock.delete().where(
                (RegistryLock.id == LOCK_ID) & (RegistryLock.import_id == held["import_id"])).returning(
                RegistryLock.id)
            if gone:
                await RegistryImport.update({RegistryImport.status: "discarded", RegistryImport.finished_at: t}).where(
                    (RegistryImport.id == held["import_id"]) & RegistryImport.status.is_in(
                        ["checking", "planned", "refused"]))
        if gone:
            await storage.remove_all(settings, [upload_key(str(held["import_id"]))])
    raise busy(await holder() or {"by_name": "?", "since": now()})


async def _release(import_id: Any) -> None:
    await RegistryLock.delete().where((RegistryLock.id == LOCK_ID) & (RegistryLock.import_id == import_id))


async def _own(staff: Staff, import_id: str) -> dict[str, Any]:
    """The import, for its uploader while they hold the lock with it (others: 409 naming them)."""
    row = await _get(import_id)
    held = await holder()
    if held is None or str(held["import_id"]) != str(row["id"]):
        raise ApiError("registry_import_closed", "This import is no longer open: upload the file again", 409)
    if str(held["by_user"]) != staff.id:
        raise busy(held)
    return row


# --- upload, apply, discard -------------------------------------------------------------------


async def upload(settings: Settings, staff: Staff, file_name: str, data: bytes, full: bool) -> dict[str, Any]:
    if len(data) > MAX_BYTES:
        raise ApiError("file_too_large", f"The file is larger than {MAX_BYTES // 2**20} MB", 400, field="file",
                       extra={"limit_mb": MAX_BYTES // 2**20})
    if not data.strip():
        raise ApiError("registry_file_empty", "The file is empty", 400, field="file")
    import_id = uuid.uuid4()
    await _take_lock(settings, staff, import_id)
    try:
        await storage.put_all(settings, [(upload_key(str(import_id)), data)])  # 503 while the store is down
        async with transaction():
            await RegistryImport.insert(RegistryImport(
                id=import_id, status="checking", full=full, file_name=file_name[:200], file_size=len(data),
                by_user=staff.id, by_name=staff.name, created_at=now()))
            await enqueue(CHECK_JOB, {"import_id": str(import_id)})
    except BaseException:
        await _release(import_id)
        await storage.remove_all(settings, [upload_key(str(import_id))])
        raise
    return await view(settings, str(import_id), staff)


async def apply(settings: Settings, staff: Staff, import_id: str) -> dict[str, Any]:
    row = await _own(staff, import_id)
    if row["status"] != "planned":
        raise ApiError("registry_import_not_ready", f"The import is {row['status']}, not planned", 409)
    async with transaction():
        moved = await RegistryImport.update({RegistryImport.status: "applying", RegistryImport.done: 0,
                                             RegistryImport.total: 0}).where(
            (RegistryImport.id == row["id"]) & (RegistryImport.status == "planned")).returning(RegistryImport.id)
        if not moved:
            raise ApiError("registry_import_not_ready", "The import is already being applied", 409)
        await RegistryLock.update({RegistryLock.touched_at: now()}).where(RegistryLock.import_id == row["id"])
        await enqueue(APPLY_JOB, {"import_id": str(row["id"])})
    return await view(settings, import_id, staff)


async def discard(settings: Settings, staff: Staff, import_id: str) -> dict[str, Any]:
    row = await _own(staff, import_id)
    if row["status"] in ("applying", "checking"):
        raise ApiError("registry_import_not_ready", f"The import is {row['status']}", 409)
    await RegistryImport.update({RegistryImport.status: "discarded", RegistryImport.finished_at: now()}).where(
        RegistryImport.id == row["id"])
    await _release(row["id"])
    await storage.remove_all(settings, [upload_key(str(row["id"])), errors_key(str(row["id"]))])
    return await view(settings, import_id, staff)


async def purge(settings: Settings, at: Any = None) -> int:
    """The stored files of imports older than the retention, and imports left open that long
    (discarded, the lock freed). Returns how many files went."""
    cutoff = (at or now()) - timedelta(days=settings.registry_upload_retention_days)
    held = await holder()
    if held is not None and held["touched_at"] < cutoff:
        async with transaction():
            left = await RegistryImport.update({RegistryImport.status: "discarded", RegistryImport.finished_at: now()}
                                               ).where((RegistryImport.id == held["import_id"])
                                                       & RegistryImport.status.is_in(["checking", "planned", "refused"])
                                                       ).returning(RegistryImport.id)
            if left:
                await _release(held["import_id"])
        held = await holder()
    keys: dict[str, list[str]] = {}
    async for key in storage.from_settings(settings).keys([FOLDER]):
        name = key.rsplit("/", 1)[-1].split(".", 1)[0]
        if is_uuid(name):
            keys.setdefault(str(uuid.UUID(name)), []).append(key)
    if not keys:
        return 0
    old = await RegistryImport.select(RegistryImport.id).where(
        RegistryImport.id.is_in(list(keys)) & (RegistryImport.created_at < cutoff))
    in_hand = str(held["import_id"]) if held is not None else ""
    gone = [k for r in old if str(r["id"]) != in_hand for k in keys[str(r["id"])]]
    await storage.remove_all(settings, gone)
    if gone:
        log.info("registry imports: %d stored files older than %d days removed", len(gone),
                 settings.registry_upload_retention_days)
    return len(gone)


# --- what the screen shows ----------------------------------------------------------------------


_LIVE: dict[str, dict[str, Any]] = {}  # import id -> {phase, done, total} of jobs running in this process


async def _get(import_id: str) -> dict[str, Any]:
    row = await RegistryImport.select().where(RegistryImport.id == import_id).first() if is_uuid(import_id) else None
    if row is None:
        raise not_found("import")
    return row


def _error_out(e: list[Any], lang: str) -> dict[str, Any]:
    line, column, code, params = e
    return {"line": line, "column": column, "code": code, "reason": message(code, params, lang)}


async def view(settings: Settings, import_id: str, staff: Staff) -> dict[str, Any]:
    row = await _get(import_id)
    summary = json_column(row["summary"]) or {}
    live = _LIVE.get(str(row["id"]), {})
    problem = json_column(row["problem"]) if row["problem"] else None
    held = await holder()
    return {
        "id": str(row["id"]), "status": row["status"], "full": row["full"], "file_name": row["file_name"],
        "file_size": row["file_size"], "by_name": row["by_name"], "mine": str(row["by_user"]) == staff.id,
        "created_at": row["created_at"].isoformat(),
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
        "phase": live.get("phase", summary.get("phase", "")),
        "done": max(int(live.get("done", 0)), row["done"]), "total": max(int(live.get("total", 0)), row["total"]),
        "summary": {k: v for k, v in summary.items() if k != "phase"},
        "errors_count": row["errors_count"],
        "errors": [_error_out(e, staff.language) for e in json_list(row["first_errors"])],
        "problem": ({"code": problem["code"], "reason": message(problem["code"], problem["params"], staff.language)}
                    if problem else None),
        "open": held is not None and str(held["import_id"]) == str(row["id"]),
    }


async def current(settings: Settings, staff: Staff) -> dict[str, Any]:
    """Who holds the lock, and the import this person sees: theirs in hand, or their last one."""
    held = await holder()
    lock = None
    if held is not None:
        stale = held["touched_at"] <= now() - STALE
        lock = {"by": held["by_name"], "since": held["since"].isoformat(), "mine": str(held["by_user"]) == staff.id,
                "stale": stale, "import_id": str(held["import_id"])}
    mine = await RegistryImport.select(RegistryImport.id).where(RegistryImport.by_user == staff.id).order_by(
        RegistryImport.created_at, ascending=False).first()
    shown = mine["id"] if mine else None
    return {"lock": lock, "import": await view(settings, str(shown), staff) if shown else None,
            "max_mb": MAX_BYTES // 2**20}


async def errors_csv(settings: Settings, staff: Staff, import_id: str) -> tuple[bytes, str]:
    """Every error of the import as CSV (UTF-8 with BOM, ';': spreadsheets open it as it is)."""
    row = await _get(import_id)
    stored = await storage.read(settings, errors_key(str(row["id"]))) if row["errors_count"] > SHOWN_ERRORS else None
    errors = json.loads(stored) if stored is not None else json_list(row["first_errors"])
    pl = staff.language != "en"
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["wiersz", "kolumna", "kod", "powód"] if pl else ["line", "column", "code", "reason"])
    for line, column, code, params in errors:
        writer.writerow([line, column, code, message(code, params, "pl" if pl else "en")])
    stem = Path(row["file_name"]).stem or "kartoteka"
    return out.getvalue().encode("utf-8"), f"{stem}-{'bledy' if pl else 'errors'}.csv"


# --- the jobs -----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _progress(import_id: str) -> AsyncIterator[dict[str, Any]]:
    """The job's counters, written to its row every second from outside its transaction."""
    live = _LIVE.setdefault(import_id, {"phase": "reading", "done": 0, "total": 0})

    async def write() -> None:
        await RegistryImport.update({RegistryImport.done: int(live["done"]), RegistryImport.total: int(live["total"]),
                                     RegistryImport.summary: {"phase": live["phase"]}}).where(
            (RegistryImport.id == import_id) & RegistryImport.status.is_in(["checking", "applying"]))

    async def tick() -> None:
        while True:
            await asyncio.sleep(1.0)
            if live.get("in_tx") and not is_postgres():
                continue  # SQLite's one write lock is the job's: the count stays in this process
            try:
                await write()
            except Exception as exc:  # a missed tick is only a stale count
                log.debug("progress of %s not written: %r", import_id, exc)

    # a context of its own: not the job's transaction (PostgreSQL: another connection)
    task = asyncio.create_task(tick(), context=contextvars.Context())
    try:
        yield live
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        _LIVE.pop(import_id, None)


def _counter(live: dict[str, Any]) -> registry.Progress:
    def step(n: int) -> None:
        live["done"] += n
    return step


def _read_bytes(data: bytes) -> Any:
    """read_table from a private temporary file (an XLSX is read from a file)."""
    fd, name = tempfile.mkstemp(prefix="ebok-registry-", suffix=".upload")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return read_table(Path(name))
    finally:
        os.unlink(name)


async def _read(settings: Settings, import_id: str, live: dict[str, Any]) -> registry.Records:
    # from the store, whichever process or machine uploaded it; StorageUnavailable: the job is retried
    data = await storage.from_settings(settings).get(upload_key(import_id))
    if data is None:
        raise RegistryFileError("upload_missing", days=settings.registry_upload_retention_days)
    table = await asyncio.to_thread(_read_bytes, data)
    live.update(phase="checking", done=0, total=len(table.rows))
    records = await asyncio.to_thread(registry.validate, table, _counter(live))
    table.rows.clear()
    return records


def _encode_error(e: CellError) -> list[Any]:
    return [e.line, e.column, e.code, dict(e.params)]


def _listed_change(c: registry.Change) -> dict[str, Any]:
    """A change as the plan lists it; a meter taken off its point says the day and the final reading
    ("meter X ends on D with final reading V", issue 13.4)."""
    out: dict[str, Any] = {"key": c.key, "fields": sorted(c.fields)}
    removed = c.fields.get("removed_on", (None, None))
    if c.kind == "meter" and removed[0] is None and removed[1] is not None:
        out["ends"] = {"on": str(removed[1]), "final_litres": c.fields.get("final_litres", (None, None))[1],
                       "replaced_by": c.fields.get("replaced_by", (None, None))[1]}
    return out


def _summary(plan: registry.Plan, rows: int) -> dict[str, Any]:
    fields: dict[str, dict[str, int]] = {k: {} for k in KINDS}
    for kind in KINDS:
        for change in plan.change[kind]:
            for f in change.fields:
                fields[kind][f] = fields[kind].get(f, 0) + 1
    return {
        "rows": rows,
        "add": {k: len(plan.add[k]) for k in KINDS}, "change": {k: len(plan.change[k]) for k in KINDS},
        "end": {k: len(plan.end[k]) for k in KINDS}, "fields": fields,
        "listed": {
            "add": {k: plan.add[k][:LISTED] for k in KINDS},
            "change": {k: [_listed_change(c) for c in plan.change[k][:LISTED]] for k in KINDS},
            "end": {k: plan.end[k][:LISTED] for k in KINDS},
        },
        "conflicts_count": len(plan.conflicts),
        "conflicts": [{"key": c.key, "field": c.field, "ebok": str(c.ebok), "file": str(c.file),
                       "changed_at": str(c.changed_at)[:10]} for c in plan.conflicts[:SHOWN_ERRORS]],
    }


async def _refuse(settings: Settings, import_id: str, errors: list[CellError] | None = None,
                  problem: RegistryFileError | None = None, summary: dict[str, Any] | None = None) -> None:
    encoded = [_encode_error(e) for e in errors or []]
    if len(encoded) > SHOWN_ERRORS:  # all of them for the CSV; the first hundred are in the row
        await storage.from_settings(settings).put(errors_key(import_id),
                                                  json.dumps(encoded, ensure_ascii=False).encode("utf-8"))
    await RegistryImport.update({
        RegistryImport.status: "refused", RegistryImport.errors_count: len(encoded),
        RegistryImport.first_errors: encoded[:SHOWN_ERRORS], RegistryImport.summary: summary or {},
        RegistryImport.problem: json.dumps({"code": problem.code, "params": problem.params}, default=str)
        if problem else "",
        RegistryImport.finished_at: now(),
    }).where(RegistryImport.id == import_id)
    await storage.remove_all(settings, [upload_key(import_id)])  # a refused file is never applied


class RegistryCheck:
    """Reads and checks an uploaded file and stores its plan (nothing is written to the registry)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, payload: dict[str, Any]) -> None:
        import_id = payload["import_id"]
        row = await RegistryImport.select().where(RegistryImport.id == import_id).first()
        if row is None or row["status"] != "checking":
            return
        async with _progress(import_id) as live:
            try:
                records = await _read(self.settings, import_id, live)
            except RegistryFileError as exc:
                await _refuse(self.settings, import_id, problem=exc)
                return
            live["phase"] = "comparing"
            plan = await registry.build_plan(records, row["full"], today_in_warsaw(), readings.registry_readings)
        summary = _summary(plan, records.rows)
        if plan.errors:
            await _refuse(self.settings, import_id, plan.errors, summary=summary)
            return
        await RegistryImport.update({
            RegistryImport.status: "planned", RegistryImport.summary: summary, RegistryImport.done: records.rows,
            RegistryImport.total: records.rows, RegistryImport.errors_count: 0, RegistryImport.first_errors: [],
        }).where((RegistryImport.id == import_id) & (RegistryImport.status == "checking"))


class RegistryApply:
    """Applies a planned import: read and checked again, compared and written in one transaction."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, payload: dict[str, Any]) -> None:
        import_id = payload["import_id"]
        row = await RegistryImport.select().where(RegistryImport.id == import_id).first()
        if row is None or row["status"] != "applying":
            return
        started = time.monotonic()
        try:
            async with _progress(import_id) as live:
                records = await _read(self.settings, import_id, live)
                live.update(phase="comparing", in_tx=True)
                async with transaction():
                    plan = await registry.build_plan(records, row["full"], today_in_warsaw(), readings.registry_readings)
                    if not plan.errors and not plan.empty:
                        live.update(phase="writing", done=0, total=plan.size)
                        await registry.apply(plan, _counter(live), audit.Acting(str(row["by_user"]), row["by_name"]),
                                             readings.registry_readings)
        except storage.StorageUnavailable:
            raise  # nothing written: the job is retried while the object store is down
        except RegistryFileError as exc:  # the file is gone (retention) or unreadable: refused like a new one
            await _refuse(self.settings, import_id, problem=exc)
            await _release(row["id"])
            return
        except Exception as exc:
            log.exception("registry import %s failed", import_id)
            await RegistryImport.update({RegistryImport.status: "failed", RegistryImport.finished_at: now(),
                                         RegistryImport.problem: json.dumps({"code": "apply_failed", "params": {}})}
                                        ).where(RegistryImport.id == import_id)
            await _release(row["id"])
            raise GiveUp(repr(exc)) from exc
        summary = _summary(plan, records.rows) | {"seconds": round(time.monotonic() - started, 1)}
        if plan.errors:  # the registry changed since the check (another way in): nothing written
            await _refuse(self.settings, import_id, plan.errors, summary=summary)
        else:
            await RegistryImport.update({
                RegistryImport.status: "done", RegistryImport.summary: summary, RegistryImport.finished_at: now(),
                RegistryImport.done: plan.size, RegistryImport.total: plan.size,
            }).where(RegistryImport.id == import_id)
            await storage.remove_all(self.settings, [upload_key(import_id)])
        await _release(row["id"])
