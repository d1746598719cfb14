"""Documents over the API: staff upload real PDFs only, residents see their customers' documents
(unread until opened), staff see when one was first opened; public information without login."""

from __future__ import annotations

import pytest

from backend.documents.pdf import MAX_PDF_BYTES
from tests.pdfs import eicar_pdf, real_pdf
from tests.support import log_in, make_customer, make_user


async def upload(client, customer_id, data, title="Umowa o zaopatrzenie w wodę", category="contract",
                 name="umowa.pdf"):
    return await client.post("/api/staff/documents", data={"customer_id": customer_id, "title": title,
                                                           "category": category},
                             files={"file": (name, data, "application/pdf")})


@pytest.fixture
async def people(client, settings):
    a, b = await make_customer(number="500001"), await make_customer(number="500002")
    await make_user(settings, "a@example.com", customer_id=a["id"])
    await make_user(settings, "b@example.com", customer_id=b["id"])
    await make_user(settings, "staff@example.com", role="staff")
    return a, b


async def test_upload_list_download_and_first_opened(client, people):
    a, _ = people
    await log_in(client, "staff@example.com")
    r = await upload(client, a["id"], real_pdf(2), name="../../etc/umowa \"nowa\".pdf")
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["pages"] == 2 and doc["first_opened_at"] is None and doc["file_name"] == "umowa nowa.pdf"

    await log_in(client, "a@example.com")
    listed = (await client.get("/api/documents")).json()
    assert [(d["id"], d["unread"]) for d in listed] == [(doc["id"], True)]
    f = await client.get(f"/api/documents/{doc['id']}/file")
    assert f.status_code == 200 and f.content == real_pdf(2)
    assert f.headers["content-type"] == "application/pdf"
    assert f.headers["content-disposition"].startswith("attachment")
    assert f.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/api/documents")).json()[0]["unread"] is False

    await log_in(client, "staff@example.com")
    rows = (await client.get(f"/api/staff/documents?customer_id={a['id']}")).json()
    assert rows[0]["first_opened_at"] is not None


async def test_documents_only_for_the_customers_residents_and_staff(client, people):
    a, b = people
    await log_in(client, "staff@example.com")
    doc = (await upload(client, a["id"], real_pdf())).json()
    await log_in(client, "b@example.com")
    assert (await client.get("/api/documents")).json() == []
    r = await client.get(f"/api/documents/{doc['id']}/file")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert (await client.get("/api/documents/not-a-uuid/file")).status_code == 404
    # residents cannot upload, list all or delete
    assert (await upload(client, b["id"], real_pdf())).status_code == 404
    assert (await client.get("/api/staff/documents")).status_code == 404
    assert (await client.delete(f"/api/staff/documents/{doc['id']}")).status_code == 404
    await client.delete("/api/session")
    assert (await client.get(f"/api/documents/{doc['id']}/file")).status_code == 401
    # staff may open it without marking it read
    await log_in(client, "staff@example.com")
    assert (await client.get(f"/api/documents/{doc['id']}/file")).status_code == 200
    assert (await client.get("/api/staff/documents")).json()[0]["first_opened_at"] is None


async def test_eicar_in_a_fake_pdf_and_other_bad_files_are_refused(client, people, settings):
    a, _ = people
    folder = settings.data_dir / "documents" / "customers"

    def stored() -> int:
        return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0

    before = stored()
    await log_in(client, "staff@example.com")
    r = await upload(client, a["id"], eicar_pdf(), name="faktura.pdf")
    assert r.status_code == 400 and r.json()["code"] == "file_not_pdf" and r.json()["field"] == "file"
    r = await upload(client, a["id"], b"<html><script>alert(1)</script></html>", name="a.pdf")
    assert r.json()["code"] == "file_not_pdf"
    r = await upload(client, a["id"], real_pdf()[:200])
    assert r.json()["code"] == "file_not_pdf"
    r = await upload(client, a["id"], b"%PDF-1.4\n" + b"0" * (MAX_PDF_BYTES + 10))
    assert r.status_code in (400, 413)
    r = await upload(client, a["id"], real_pdf(), category="invoice")
    assert r.status_code == 400 and r.json()["field"] == "category"
    r = await upload(client, "00000000-0000-0000-0000-000000000000", real_pdf())
    assert r.status_code == 404
    assert (await client.get("/api/staff/documents")).json() == []
    assert stored() == before


async def test_delete_removes_the_file(client, people, settings):
    a, _ = people
    await log_in(client, "staff@example.com")
    doc = (await upload(client, a["id"], real_pdf())).json()
    path = settings.data_dir / "documents" / "customers" / doc["id"][:2] / f"{doc['id']}.pdf"
    assert path.exists() and settings.data_dir in path.parents
    assert (await client.delete(f"/api/staff/documents/{doc['id']}")).status_code == 204
    assert not path.exists()
    assert (await client.get(f"/api/documents/{doc['id']}/file")).status_code == 404


async def test_public_information_without_login(client, people):
    await log_in(client, "staff@example.com")
    r = await client.post("/api/staff/information", data={"title": "Cennik 2026", "category": "price_list",
                                                          "description": "Taryfa"},
                          files={"file": ("cennik.pdf", real_pdf(), "application/pdf")})
    assert r.status_code == 201, r.text
    doc = r.json()
    bad = await client.post("/api/staff/information", data={"title": "Wzór", "category": "form"},
                            files={"file": ("wzor.pdf", eicar_pdf(), "application/pdf")})
    assert bad.json()["code"] == "file_not_pdf"
    await client.delete("/api/session")
    listed = (await client.get("/api/information")).json()
    assert [(d["title"], d["category"]) for d in listed] == [("Cennik 2026", "price_list")]
    assert listed == [doc]  # the upload answered with what was stored
    f = await client.get(f"/api/information/{doc['id']}/file")
    assert f.status_code == 200 and f.content.startswith(b"%PDF-")
    assert (await client.post("/api/staff/information", data={"title": "x", "category": "form"},
                              files={"file": ("x.pdf", real_pdf(), "application/pdf")})).status_code == 401
    await log_in(client, "a@example.com")
    assert (await client.delete(f"/api/staff/information/{doc['id']}")).status_code == 404
    await log_in(client, "staff@example.com")
    assert (await client.delete(f"/api/staff/information/{doc['id']}")).status_code == 204
    assert (await client.get(f"/api/information/{doc['id']}/file")).status_code == 404
