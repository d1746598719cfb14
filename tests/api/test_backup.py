# SPDX-License-Identifier: AGPL-3.0-or-later
"""`ebok backup` of a running demo while readings arrive, `ebok restore` into a fresh data directory and
database, the restored app serving the same data; what restore refuses; a failed backup keeping the
previous one; the database of the previous release restored and migrated."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tests.pdfs import jpeg, real_pdf
from tests.support import RUN_DIR, database_url_for, http_ok, spawn, start_listening, stop

DEMO_PASSWORD = "demo-ebok-2026"
EBOK = [sys.executable, "-m", "backend.cli"]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "previous-release"


def env_for(name: str) -> dict[str, str]:
    data = RUN_DIR / name
    shutil.rmtree(data, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_URL", "PROMETHEUS_MULTIPROC_DIR"))}
    env.update(DATABASE_URL=database_url_for(name), EBOK_DATA_DIR=str(data), PYTHONUNBUFFERED="1")
    return env


def ebok(env: dict[str, str], *args: str, check: bool = True, **kw: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*EBOK, *args], env=env, capture_output=True, text=True, timeout=600, check=False, **kw)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    data = Path(env["EBOK_DATA_DIR"])

    def log(port: int) -> Path:
        return data.parent / f"{data.name}-serve-{port}.log"

    def spawn_at(port: int) -> subprocess.Popen[bytes]:
        return spawn([*EBOK, "serve", "--port", str(port)], {**env, "EBOK_BASE_URL": f"http://127.0.0.1:{port}"},
                     log(port))

    server, port = start_listening(spawn_at, lambda port: http_ok(f"http://127.0.0.1:{port}/api/ready"),
                                   lambda port: [log(port)], timeout=180)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server, grace=60)


def client(base: str, login: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60)
    c.get("/api/config")
    c.headers["X-CSRFToken"] = c.cookies["csrftoken"]
    r = c.post("/api/session", json={"login": login, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return c


def submit(c: httpx.Client, meter_id: str, value: str, photo: bytes) -> httpx.Response:
    return c.post("/api/readings", headers={"Idempotency-Key": str(uuid.uuid4())},
                  data={"meter_id": meter_id, "value": value, "captured_at": datetime.now(UTC).isoformat(),
                        "comment": ""},
                  files={"photo": ("licznik.jpg", photo, "image/jpeg")})


def anna_view(c: httpx.Client) -> dict[str, Any]:
    """What the demo resident sees: her meters, invoices, documents, readings (with photo hashes)."""
    meters = c.get("/api/meters").json()
    readings = {}
    for m in meters["meters"] if isinstance(meters, dict) else meters:
        for r in c.get(f"/api/meters/{m['id']}/readings").json()["readings"]:
            readings[r["id"]] = r["value_litres"]
    return {"meters": meters, "settlements": c.get("/api/settlements").json(),
            "documents": c.get("/api/documents/").json(), "readings": readings}


def photo_sha(c: httpx.Client, reading_id: str) -> str:
    r = c.get(f"/api/readings/{reading_id}/photo")
    assert r.status_code == 200, r.text
    return hashlib.sha256(r.content).hexdigest()


def first_meter(c: httpx.Client) -> str:
    meters = c.get("/api/meters").json()
    return str((meters["meters"] if isinstance(meters, dict) else meters)[0]["id"])


def test_backup_of_a_running_demo_restores_into_a_fresh_directory() -> None:
    src = env_for("backup-src")
    ebok(src, "demo", "--customers", "12", "--no-serve")
    target = RUN_DIR / "backup-src-copy"
    with serving(src) as base:
        anna, office = client(base, "anna.nowak@example.com"), client(base, "biuro@example.com")
        meter = first_meter(anna)
        me = anna.get("/api/me").json()
        customer_id = me["customers"][0]["id"]
        doc = office.post("/api/staff/documents",
                          data={"customer_id": customer_id, "title": "Umowa", "category": "contract"},
                          files={"file": ("umowa.pdf", real_pdf(), "application/pdf")})
        assert doc.status_code == 201, doc.text
        first = submit(anna, meter, "9100", jpeg(640, 480))
        assert first.status_code == 201, first.text

        # readings keep arriving while the backup runs: each one with a photo of its own
        sent: list[tuple[float, float, str]] = []  # (sent, answered, reading id)
        stop = threading.Event()

        def resident() -> None:
            value = 9200
            while not stop.is_set():
                value += 10
                t0 = time.monotonic()
                r = submit(anna, meter, str(value), jpeg(320 + value % 300, 240))
                assert r.status_code == 201, r.text
                sent.append((t0, time.monotonic(), r.json()["id"]))

        thread = threading.Thread(target=resident)
        thread.start()
        try:
            time.sleep(0.5)
            started = time.monotonic()
            done = ebok(src, "backup", str(target))
            ended = time.monotonic()
            time.sleep(0.3)
        finally:
            stop.set()
            thread.join(timeout=60)
        assert "Backup in" in done.stdout
        during = [rid for t0, t1, rid in sent if t0 < ended and t1 > started]
        before = [first.json()["id"]] + [rid for _, t1, rid in sent if t1 <= started]
        assert during, "no reading arrived while the backup ran"
        expected_photos = {rid: photo_sha(anna, rid) for rid in before + during}
        seen_before = anna_view(anna)

    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["format"] == 1 and manifest["ebok_version"] and manifest["counts"]["customer"] == 12
    assert manifest["database"]["engine"] == ("postgresql" if "postgresql" in src["DATABASE_URL"] else "sqlite")
    assert any(k.startswith("photos/") for k in manifest["files"])
    assert any(k.startswith("documents/customers/") for k in manifest["files"])

    dst = env_for("backup-dst")
    restored = ebok(dst, "restore", str(target))
    assert "Restored" in restored.stdout
    with serving(dst) as base:
        anna, office = client(base, "anna.nowak@example.com"), client(base, "biuro@example.com")
        view = anna_view(anna)
        # the same meters, invoices and documents; the readings of the backup's moment: all that were
        # answered before it started, perhaps some that arrived during it, none that came after it
        assert view["meters"] == seen_before["meters"] or view["meters"]["meters"] == seen_before["meters"]["meters"]
        assert view["settlements"] == seen_before["settlements"]
        assert view["documents"] == seen_before["documents"]
        assert set(before) <= set(view["readings"]) <= set(seen_before["readings"])
        for rid in view["readings"]:
            if rid in expected_photos:  # every restored reading with a photo has that very photo
                assert photo_sha(anna, rid) == expected_photos[rid]
        assert anna.get(f"/api/documents/{view['documents'][0]['id']}/file").content == real_pdf()
        pdf = anna.get(f"/api/settlements/documents/{view['settlements']['documents'][0]['id']}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert office.get("/api/me").status_code == 200
        # the restored app takes new readings
        assert submit(anna, first_meter(anna), "99000", jpeg()).status_code == 201


def test_restore_refuses_a_non_empty_target_and_a_tampered_backup() -> None:
    src = env_for("backup-refuse")
    ebok(src, "migrate")
    target = RUN_DIR / "backup-refuse-copy"
    ebok(src, "backup", str(target))
    # the source itself is not empty
    refused = ebok(src, "restore", str(target), check=False)
    assert refused.returncode != 0 and "restore only into a new" in refused.stderr

    dst = env_for("backup-refuse-dst")
    manifest = json.loads((target / "manifest.json").read_text())
    database = target / manifest["database"]["file"]
    original = database.read_bytes()
    database.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    refused = ebok(dst, "restore", str(target), check=False)
    assert refused.returncode != 0 and "does not match its manifest" in refused.stderr
    assert not Path(dst["EBOK_DATA_DIR"]).exists() or not any(Path(dst["EBOK_DATA_DIR"]).iterdir())
    database.write_bytes(original)
    assert "Restored" in ebok(dst, "restore", str(target)).stdout


def _limit_file_size() -> None:  # the child's files may not grow past 64 KB: a disk that is full
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_failed_backup_leaves_the_previous_one_intact() -> None:
    src = env_for("backup-full")
    ebok(src, "migrate")
    target = RUN_DIR / "backup-full-copy"
    ebok(src, "backup", str(target))
    before = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}

    full = ebok(src, "backup", str(target), check=False, preexec_fn=_limit_file_size)
    assert full.returncode == 1 and "previous backup is untouched" in full.stderr, full.stderr
    assert {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    assert not [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")]

    blocked = RUN_DIR / "backup-full-file"
    blocked.write_text("not a folder")
    unwritable = ebok(src, "backup", str(blocked / "copy"), check=False)
    assert unwritable.returncode == 1 and "cannot write a backup" in unwritable.stderr

    other = RUN_DIR / "backup-full-other"
    other.mkdir(exist_ok=True)
    (other / "notes.txt").write_text("mine")
    refused = ebok(src, "backup", str(other), check=False)
    assert refused.returncode == 1 and "not an e-BOK backup" in refused.stderr
    assert (other / "notes.txt").read_text() == "mine"


def test_the_previous_release_restores_and_migrates() -> None:
    """tests/fixtures/previous-release: backups of a demo made by the code of 89c3572 (see the README
    there), on this pass's database."""
    dst = env_for("backup-previous")
    fixture = FIXTURES / ("postgresql" if "postgresql" in dst["DATABASE_URL"] else "sqlite")
    manifest = json.loads((fixture / "manifest.json").read_text())
    assert not any(m.startswith("integration:") for m in manifest["migrations"])  # came after it
    ebok(dst, "restore", str(fixture))
    with serving(dst) as base:  # serve migrates first; /api/ready answers 200 only with none pending
        anna = client(base, "anna.nowak@example.com")
        view = anna_view(anna)
        assert view["readings"] and view["settlements"]["documents"]
        assert submit(anna, first_meter(anna), "99000", jpeg()).status_code == 201
