"""HTTP endpoints of documents: the resident's documents, public information, staff uploads."""

from __future__ import annotations

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, FromQuery
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.accounts.guards import UserDep, logged_in, staff_only
from backend.core.errors import ApiError
from backend.core.files import content_disposition
from backend.core.forms import form_id, form_text
from backend.core.types import Id, OptionalId
from backend.documents import services
from backend.documents.pdf import MAX_PDF_BYTES
from backend.documents.schemas import DocumentOut, PublicDocumentOut, StaffDocumentOut
from backend.settings import SettingsDep

FORM_LIMIT = MAX_PDF_BYTES + 64 * 1024  # the file and a few short fields


def _pdf(data: bytes, name: str) -> Response[bytes]:
    # always a download: the browser's PDF viewer gets a file, never a page of our origin
    return Response(data, media_type="application/pdf", headers={
        "content-disposition": content_disposition("attachment", name), "cache-control": "private, no-store"})




async def read_upload(request: Request, *, with_customer: bool) -> tuple[services.Upload, str]:
    if request.content_type[0] != "multipart/form-data":
        raise ApiError("invalid_request", "Send multipart/form-data", 400)
    form = await request.form()
    file = form.get("file")
    if file is None or isinstance(file, str):
        raise ApiError("field_required", "file is required", 400, field="file")
    data = await file.read()
    if len(data) > MAX_PDF_BYTES:
        raise ApiError("file_too_large", "The file is larger than 10 MB", 400, field="file")
    upload = services.Upload(
        title=form_text(form, "title", 200, strip=True), category=form_text(form, "category", 20, strip=True),
        description=form_text(form, "description", 500, required=False, strip=True, multiline=True),
        file_name=file.filename or "", data=data,
    )
    customer_id = form_id(form, "customer_id") if with_customer else ""
    return upload, customer_id


class DocumentsController(Controller):
    path = "/api/documents"
    guards = [logged_in]

    @get("/")
    async def list_documents(self, user: UserDep) -> list[DocumentOut]:
        return await services.documents_for(user)

    @get("/{doc_id:str}/file")
    async def file(self, user: UserDep, settings: SettingsDep, doc_id: FromPath[Id]) -> Response[bytes]:
        return _pdf(*await services.open_document(settings, user, doc_id))


class InformationController(Controller):
    """Public: price lists, contract templates, forms, rules, the accessibility statement."""

    path = "/api/information"

    @get("/")
    async def list_public(self) -> list[PublicDocumentOut]:
        return await services.public_documents()

    @get("/{doc_id:str}/file")
    async def file(self, settings: SettingsDep, doc_id: FromPath[Id]) -> Response[bytes]:
        return _pdf(*await services.public_file(settings, doc_id))


class StaffDocumentsController(Controller):
    path = "/api/staff"
    guards = [staff_only]

    @get("/documents")
    async def list_documents(self, customer_id: FromQuery[OptionalId] = None) -> list[StaffDocumentOut]:
        return await services.staff_documents(customer_id=customer_id or None)

    @post("/documents", status_code=HTTP_201_CREATED, request_max_body_size=FORM_LIMIT)
    async def upload(self, request: Request, user: UserDep, settings: SettingsDep) -> StaffDocumentOut:
        upload, customer_id = await read_upload(request, with_customer=True)
        return await services.upload_for_customer(settings, user, customer_id, upload)

    @delete("/documents/{doc_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, user: UserDep, settings: SettingsDep, doc_id: FromPath[Id]) -> None:
        await services.delete_customer_document(settings, doc_id, user)

    @post("/information", status_code=HTTP_201_CREATED, request_max_body_size=FORM_LIMIT)
    async def upload_public(self, request: Request, user: UserDep, settings: SettingsDep) -> PublicDocumentOut:
        upload, _ = await read_upload(request, with_customer=False)
        return await services.upload_public(settings, user, upload)

    @delete("/information/{doc_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def remove_public(self, user: UserDep, settings: SettingsDep, doc_id: FromPath[Id]) -> None:
        await services.delete_public(settings, doc_id, user)


controllers = [DocumentsController, InformationController, StaffDocumentsController]
