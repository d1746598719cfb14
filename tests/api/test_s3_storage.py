# SPDX-License-Identifier: AGPL-3.0-or-later
"""Photos and documents on S3-compatible object storage (EBOK_STORAGE_URL=s3://...), against moto's S3
server: stored under their content-addressed keys, served through the app to their owner only, refused
with a retryable 503 while the store is unreachable (never a reading without its photo), and in backups."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from backend.core import backup
from backend.readings.tables import Reading
from backend.settings import Settings
from tests.pdfs import jpeg, real_pdf
from tests.s3_server import CREDENTIALS, REGION, S3Server
from tests.support import RUN_DIR, database_url_for, free_port, log_in, make_customer, make_user


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in CREDENTIALS.items():  # the environment an operator gives e-BOK
        monkeypatch.setenv(name, value)
    return s3.bucket(f"ebok-{uuid.uuid4().hex[:10]}")


@pytest.fixture
def settings(settings: Settings, s3: S3Server, bucket: str) -> Settings:
    return msgspec.structs.replace(settings, storage_url=f"s3://{bucket}/ebok", s3_endpoint=s3.endpoint,
                                   s3_region=REGION)


@asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[Any]:
    import httpx

    from backend.app import create_app, resources

    app = create_app(settings, manage_resources=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with resources(settings), httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        await c.get("/api/config")
        c.headers["X-CSRFToken"] = c.cookies["csrftoken"]
        yield c


async def post_reading(client: Any, meter_id: str, value: str, photo: bytes | None, key: str | None = None) -> Any:
    return await client.post(
        "/api/readings", headers={"Idempotency-Key": key or str(uuid.uuid4())},
        data={"meter_id": meter_id, "value": value, "captured_at": datetime.now(UTC).isoformat(), "comment": ""},
        files={"photo": ("licznik.jpg", photo, "image/jpeg")} if photo else None)


async def test_photos_and_documents_live_in_the_bucket_and_are_served_to_their_owner(
        client: Any, settings: Settings, s3: S3Server, bucket: str) -> None:
    customer = await make_customer(number="510001")
    other = await make_customer(number="510002")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await make_user(settings, "jan@example.com", customer_id=other["id"])
    await make_user(settings, "biuro@example.com", role="staff")

    await log_in(client, "biuro@example.com")
    doc = await client.post("/api/staff/documents", data={"customer_id": customer["id"], "title": "Umowa",
                                                          "category": "contract"},
                            files={"file": ("umowa.pdf", real_pdf(), "application/pdf")})
    assert doc.status_code == 201, doc.text
    await log_in(client, "ola@example.com")
    # a picture of its own: photos are stored by content, and other tests put jpeg() on the local disk
    r = await post_reading(client, customer["meter_id"], "123,456", jpeg(643, 481))
    assert r.status_code == 201, r.text
    reading = r.json()

    objects = s3.keys(bucket, "ebok/")
    photo_keys = sorted(k for k in objects if k.startswith("ebok/photos/"))
    assert len(photo_keys) == 2  # the picture and its thumbnail, by the picture's SHA-256
    full = next(k for k in photo_keys if not k.endswith(".thumb.jpg"))
    sha = full.rsplit("/", 1)[1].removesuffix(".jpg")
    assert full == f"ebok/photos/{sha[:2]}/{sha[2:4]}/{sha}.jpg" and hashlib.sha256(objects[full]).hexdigest() == sha
    assert objects[f"ebok/documents/customers/{doc.json()['id'][:2]}/{doc.json()['id']}.pdf"] == real_pdf()
    assert not (settings.data_dir / "photos" / sha[:2] / sha[2:4]).exists()  # nothing on the local disk

    photo = await client.get(f"/api/readings/{reading['id']}/photo")
    assert photo.status_code == 200 and photo.content == objects[full]
    assert photo.headers["content-type"] == "image/jpeg"
    thumb = await client.get(f"/api/readings/{reading['id']}/thumb")
    assert thumb.content == objects[full.replace(".jpg", ".thumb.jpg")]
    file = await client.get(f"/api/documents/{doc.json()['id']}/file")
    assert file.status_code == 200 and file.content == real_pdf()
    assert 'filename="' in file.headers["content-disposition"]

    await client.delete("/api/session")
    await log_in(client, "jan@example.com")  # another customer: the app says no, whatever the bucket holds
    assert (await client.get(f"/api/readings/{reading['id']}/photo")).status_code == 404
    assert (await client.get(f"/api/documents/{doc.json()['id']}/file")).status_code == 404


async def test_an_unreachable_store_refuses_readings_with_photos_retryably(settings: Settings,
                                                                            clean_db: None) -> None:
    down = msgspec.structs.replace(settings, s3_endpoint=f"http://127.0.0.1:{free_port()}")  # nobody listens
    customer = await make_customer(number="510003")
    await make_user(down, "ola@example.com", customer_id=customer["id"])
    async with app_client(down) as client:
        await log_in(client, "ola@example.com")
        key = str(uuid.uuid4())
        for _ in range(2):  # the phone's outbox sends it again with the same key: refused again, not replayed
            r = await post_reading(client, customer["meter_id"], "123,456", jpeg(), key=key)
            assert r.status_code == 503, r.text
            assert r.json()["code"] == "storage_unavailable" and r.headers["retry-after"] == "30"
        assert await Reading.count() == 0  # never stored without its photo
        # a reading without a photo needs no store
        assert (await post_reading(client, customer["meter_id"], "123,456", None)).status_code == 201


async def test_backup_copies_the_objects_and_restore_puts_them_into_an_empty_prefix(
        client: Any, settings: Settings, s3: S3Server, bucket: str) -> None:
    customer = await make_customer(number="510004")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")
    assert (await post_reading(client, customer["meter_id"], "100", jpeg(500, 400))).status_code == 201
    folder = RUN_DIR / f"s3-backup-{bucket}"
    await backup.backup(settings, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    source = s3.keys(bucket, "ebok/")
    assert {f"ebok/{k}" for k in manifest["files"]} == set(source)
    assert all((folder / "files" / k.removeprefix("ebok/")).read_bytes() == v for k, v in source.items())

    restored = msgspec.structs.replace(settings, storage_url=f"s3://{bucket}/restored",
                                       database_url=database_url_for(f"s3_restore_{bucket[-6:]}"),
                                       data_dir=RUN_DIR / f"s3-restore-{bucket}")
    if not restored.database_url.startswith("postgres"):
        restored = msgspec.structs.replace(restored, database_url=f"sqlite:///{restored.data_dir}/ebok.sqlite3")
    await backup.restore(restored, folder)
    assert {k.removeprefix("restored/"): v for k, v in s3.keys(bucket, "restored/").items()} == {
        k.removeprefix("ebok/"): v for k, v in source.items()}
    again = msgspec.structs.replace(restored, database_url=database_url_for(f"s3_again_{bucket[-6:]}"),
                                    data_dir=RUN_DIR / f"s3-again-{bucket}")
    if not again.database_url.startswith("postgres"):
        again = msgspec.structs.replace(again, database_url=f"sqlite:///{again.data_dir}/ebok.sqlite3")
    with pytest.raises(backup.BackupError, match="object storage .* is not empty"):
        await backup.restore(again, folder)


async def _import_in(client: Any, import_id: str, status: str, timeout: float = 120) -> dict[str, Any]:
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while True:
        imp = (await client.get(f"/api/staff/registry/imports/{import_id}")).json()
        if imp["status"] == status:
            return dict(imp)
        assert imp["status"] in ("checking", "planned", "applying"), imp
        assert time.monotonic() < deadline, f"import still {imp['status']}, not {status}"
        await asyncio.sleep(0.2)


async def test_a_registry_upload_is_in_the_bucket_in_backups_and_applied_by_a_separate_worker(
        settings: Settings, s3: S3Server, bucket: str, clean_db: None) -> None:
    """The office's upload is stored in the bucket (not on this process's disk), backed up while in hand,
    checked and applied by an `ebok worker` of its own data directory, and removed once applied."""
    import asyncio
    import os
    import subprocess
    import sys

    from backend.customers.tables import Customer
    from tests.api.test_registry import ROWS, csv_text

    server = msgspec.structs.replace(settings, run_worker=False)  # every job is the separate worker's
    await make_user(settings, "anna@example.com", role="staff", name="Anna Nowak")
    data = csv_text(ROWS).encode("utf-8")
    async with app_client(server) as client:
        await log_in(client, "anna@example.com")
        r = await client.post("/api/staff/registry/imports", data={"full": ""},
                              files={"file": ("kartoteka.csv", data, "text/csv")})
        assert r.status_code == 202, r.text
        import_id = r.json()["id"]
        key = f"registry-imports/{import_id[:2]}/{import_id}.upload"
        assert s3.keys(bucket, "ebok/registry-imports/") == {f"ebok/{key}": data}
        assert not (settings.data_dir / key).exists()

        folder = RUN_DIR / f"imports-backup-{bucket}"
        await backup.backup(settings, folder)  # the upload in hand is in the backup
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["files"][key]["sha256"] == hashlib.sha256(data).hexdigest()
        assert (folder / "files" / key).read_bytes() == data

        worker_dir = RUN_DIR / f"imports-worker-{bucket}"  # a data directory without the upload
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_URL", "PROMETHEUS_MULTIPROC_DIR"))}
        env.update(s3.env(bucket, "ebok"), EBOK_DATA_DIR=str(worker_dir), PYTHONUNBUFFERED="1")
        worker_dir.mkdir(parents=True, exist_ok=True)
        with (worker_dir / "worker.err").open("wb") as err:
            worker = await asyncio.to_thread(subprocess.Popen, [sys.executable, "-m", "backend.cli", "worker"],
                                             env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        try:
            planned = await _import_in(client, import_id, "planned")
            assert planned["summary"]["add"]["customer"] == len({row.split(";")[0] for row in ROWS})
            r = await client.post(f"/api/staff/registry/imports/{import_id}/apply")
            assert r.status_code == 202, r.text
            done = await _import_in(client, import_id, "done")
        finally:
            worker.terminate()
            try:
                await asyncio.to_thread(worker.wait, 30)
            except subprocess.TimeoutExpired:
                worker.kill()
                await asyncio.to_thread(worker.wait)
        assert done["summary"]["add"] == planned["summary"]["add"]
        assert await Customer.count() == planned["summary"]["add"]["customer"]
        assert s3.keys(bucket, "ebok/registry-imports/") == {}  # applied: the upload is gone
        assert not list(worker_dir.glob("registry-imports/**/*.upload"))

    # restored, the import in hand has its file again
    restored = msgspec.structs.replace(settings, storage_url=f"s3://{bucket}/restored",
                                       database_url=database_url_for(f"imp_restore_{bucket[-6:]}"),
                                       data_dir=RUN_DIR / f"imp-restore-{bucket}")
    if not restored.database_url.startswith("postgres"):
        restored = msgspec.structs.replace(restored, database_url=f"sqlite:///{restored.data_dir}/ebok.sqlite3")
    await backup.restore(restored, folder)
    assert s3.keys(bucket, "restored/registry-imports/") == {f"restored/{key}": data}


async def test_a_billing_systems_pdf_is_kept_in_the_bucket_and_served_to_its_owner(
        settings: Settings, s3: S3Server, bucket: str, clean_db: None) -> None:
    """EBOK_BILLING=external: the documents' PDFs from the billing system are stored files too (the bucket),
    so every instance serves them and backups hold them."""
    from tests.api.test_external_billing import PDF, doc, send_docs
    from tests.api.test_integration import new_token

    external = msgspec.structs.replace(settings, billing="external", external_pdf_max_bytes=50_000)
    customer = await make_customer(number="700001")
    await make_user(external, "ela@example.com", customer_id=customer["id"])
    async with app_client(external) as client:
        token = await new_token("erp", "documents:write")
        r = await send_docs(client, token, doc())
        assert r.status_code == 200, r.text
        stored = s3.keys(bucket, "ebok/billing-documents/")
        assert list(stored.values()) == [PDF]
        assert (await send_docs(client, token, doc())).json()["unchanged"] == ["FV/2026/11/001"]  # compared in the bucket
        await log_in(client, "ela@example.com")
        [row] = (await client.get("/api/settlements")).json()["documents"]
        pdf = await client.get(f"/api/settlements/documents/{row['id']}/pdf")
        assert pdf.status_code == 200 and pdf.content == PDF
    folder = RUN_DIR / f"billing-backup-{bucket}"
    await backup.backup(external, folder)
    assert [k.removeprefix("ebok/") for k in stored] == [k for k in json.loads(
        (folder / "manifest.json").read_text())["files"] if k.startswith("billing-documents/")]
