"""`/api/integration/*`: endpoints for machine clients (a utility's billing system), opened only by
`Authorization: Bearer <token>` (`ebok token create`). No session cookie opens them and no CSRF
token applies (app.py excludes the path from the CSRF check): a browser never sends a bearer token
on its own, so there is no ambient credential to forge a request with."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, TypeAlias

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, Example, SecurityScheme
from litestar.params import Body, FromPath, JSONBody, Parameter, QueryParameter, SkipValidation
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.accounts.guards import UserDep, logged_in, staff_only
from backend.accounts.schemas import CurrentUser
from backend.billing import services as billing
from backend.core.clock import today_in_warsaw
from backend.core.errors import ApiError
from backend.core.types import LINE_PATTERN, Id, Line, OptionalId
from backend.customers import services as customers
from backend.imports import services as imports
from backend.integration import export, services
from backend.integration.schemas import (
    CustomerPatch,
    DocumentsIn,
    DocumentsOut,
    FeedEntry,
    FeedPage,
    FieldChange,
    MeterPatch,
    OwnBalance,
    OwnMeter,
    OwnReading,
    OwnReadings,
    OwnTokenCreated,
    OwnTokenIn,
    OwnTokenOut,
    PaymentEntry,
    PaymentPage,
    PaymentsIn,
    PaymentsOut,
    RegistryChange,
    RegistryConflict,
    RegistryIn,
    RegistryPlanOut,
    WebhookIn,
)
from backend.readings import services as readings
from backend.settings import SettingsDep
from backend.webhooks import services as webhooks
from backend.webhooks.schemas import DeliveryOut, EndpointCreated, EndpointOut

MAX_LIMIT = 1000


async def authenticated_client(request: Request[Any, Any, Any], settings: SettingsDep) -> services.Client:
    return await services.authenticate(request.headers.get("authorization"),
                                       request.route_handler.opt.get("scope"), settings)


ClientDep: TypeAlias = NamedDependency[SkipValidation[services.Client]]
# any printable text reaches the signature check (and is refused there with cursor_invalid)
Cursor = Annotated[str | None, QueryParameter(pattern=LINE_PATTERN, max_length=500)]

_EXAMPLE = FeedPage(readings=[FeedEntry(
    seq=1042, event="received", reading_id="6f1c1c1e-8d1f-4c55-9a34-0b1f3f7f9a10", customer_number="100001",
    service_point_id="0d6c3a52-4b51-4d0e-a3a2-6a0e6c1f2b11", point_code="PP-004512", meter_serial="WM-2023-004512",
    value_litres=123456, value_m3=123.456, captured_at="2026-11-28T07:15:00+00:00",
    received_at="2026-11-30T18:02:11+00:00", source="resident", status="flagged", verification="",
    flags=["high_consumption"])], next_cursor="eyJ2IjoxLCJzZXEiOjEwNDJ9.Vb0Jx2dQm1gq3E6oQy1yFA")

_REGISTRY_IN = {"dry_run": False, "rows": [{
    "customer_number": "100001", "name": "Jan Kowalski", "email": "jan.kowalski@example.com", "phone": "",
    "street": "Kolejowa", "house_number": "12", "postcode": "19-400", "town": "Olecko",
    "point_code": "PP-004512", "meter_serial": "WM-2023-004512", "meter_kind": "main", "meter_digits": "5",
    "installed_on": "2023-04-01", "verification_due": "2029-04-01", "initial_reading": "0,000"}]}
_REGISTRY_EXAMPLE = RegistryPlanOut(
    dry_run=False, applied=True, unchanged=False,
    add={"customer": [], "point": [], "meter": ["WM-2023-004512"]},
    change=[RegistryChange(kind="customer", key="100001", fields={
        "email": FieldChange(before="jan@example.com", after="jan.kowalski@example.com")})])
_REGISTRY_ERROR = {"code": "registry_invalid", "message": "1 errors: nothing was written", "field": None,
                   "errors": [{"row": 1, "column": "postcode", "code": "postcode", "params": {"value": "19400"},
                               "reason": "'19400' is not a postcode NN-NNN"}],
                   "error_count": 1}

_CUSTOMER_PATCH_IN = {"email": "jan.kowalski@example.com", "phone": "+48 600 100 200"}
_CUSTOMER_PATCH_EXAMPLE = RegistryPlanOut(
    dry_run=False, applied=True, unchanged=False, add={"customer": [], "point": [], "meter": []},
    change=[RegistryChange(kind="customer", key="100001", fields={
        "email": FieldChange(before="jan@example.com", after="jan.kowalski@example.com"),
        "phone": FieldChange(before="", after="+48 600 100 200")})])
_UNKNOWN_CUSTOMER = {"code": "unknown_customer", "message": "No customer has the number '999999'",
                     "field": "customer_number"}
_PATCH_ERROR = {"code": "registry_invalid", "message": "1 errors: nothing was written", "field": None,
                "errors": [{"column": "postcode", "code": "postcode", "params": {"value": "19400"},
                            "reason": "'19400' is not a postcode NN-NNN"}], "error_count": 1}
_METER_PATCH_IN = {"removed_on": "2026-11-20", "final_reading": "130,500"}
_METER_PATCH_EXAMPLE = RegistryPlanOut(
    dry_run=False, applied=True, unchanged=False, add={"customer": [], "point": [], "meter": []},
    change=[RegistryChange(kind="meter", key="WM-2023-004512", fields={
        "removed_on": FieldChange(before=None, after="2026-11-20"), "active": FieldChange(before=True, after=False),
        "final_litres": FieldChange(before=None, after=130500)})])
_UNKNOWN_METER = {"code": "unknown_meter", "message": "No meter has the serial 'WM-0000'", "field": "meter_serial"}
_METER_PATCH_ERROR = {"code": "registry_invalid", "message": "1 errors: nothing was written", "field": None,
                      "errors": [{"column": "final_reading", "code": "final_below_last",
                                  "params": {"value": "120,000", "last": "125,310", "day": "2026-11-02"},
                                  "reason": "the final reading 120,000 m³ is lower than the meter's last reading "
                                            "in e-BOK, 125,310 m³ on 2026-11-02"}], "error_count": 1}

DOCUMENTS_MAX_BODY = 64 * 1024 * 1024  # up to 50 documents a request; each PDF's own limit is checked
_TINY_PDF = "JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nL1BhZ2VzIDIgMCBSPj4KZW5kb2JqCi4uLg=="
_DOCUMENT_IN = {"documents": [{
    "number": "FV/2026/11/00042", "kind": "invoice", "customer_number": "100001", "issue_date": "2026-12-01",
    "due_date": "2026-12-15", "gross_grosze": 12345, "net_grosze": 11431, "vat_grosze": 914,
    "period_start": "2026-11-01", "period_end": "2026-11-30", "pdf_base64": _TINY_PDF}]}
_DOCUMENTS_ERROR = {"code": "documents_invalid", "message": "2 errors: nothing was written", "field": None,
                    "error_count": 2, "errors": [
                        {"item": 1, "field": "customer_number", "code": "customer_unknown",
                         "message": "No customer has the number '999999'"},
                        {"item": 1, "field": "pdf", "code": "pdf_invalid",
                         "message": "Not a PDF (it does not start with %PDF-)"}]}
_PAYMENT_IN = {"payments": [{"external_id": "BANK-2026-11-30-0017", "customer_number": "100001",
                             "amount_grosze": 12345, "booked_on": "2026-11-30", "title": "FV/2026/11/00042",
                             "payer": "Jan Kowalski"}]}
_PAYMENTS_ERROR = {"code": "payments_invalid", "message": "1 errors: nothing was written", "field": None,
                   "error_count": 1, "errors": [{"item": 1, "field": "customer_number", "code": "customer_unknown",
                                                 "message": "No customer has the number '999999'"}]}
_PAYMENT_EXAMPLE = PaymentPage(payments=[PaymentEntry(
    seq=17, external_id="przelewy24:ebok-6f1c1c1e8d1f4c559a340b1f3f7f9a10-1a2b3c4d", customer_number="100001",
    amount_grosze=12345, booked_on="2026-12-02", paid_at="2026-12-02T09:14:03+00:00", source="gateway",
    title="Płatność za FV/2026/11/00042", documents=["FV/2026/11/00042"])],
    next_cursor="eyJ2IjoxLCJzZXEiOjE3fQ.kP2a1ZpQ0rT8W3nU5c7yXg")

SECURITY_COMPONENTS = Components(security_schemes={"bearer": SecurityScheme(
    type="http", scheme="bearer", description="A token from `uv run ebok token create`")})


class IntegrationController(Controller):
    path = "/api/integration"
    dependencies = {"client": Provide(authenticated_client)}
    security = [{"bearer": []}]
    tags = ["integration"]

    @get("/readings", opt={"scope": "readings:read"}, summary="The readings feed (scope readings:read)",
         description=(
             "Readings in the order e-BOK received them, and later status changes (a reading rejected or "
             "verified after it was fetched) as new entries of the same feed. Start without `cursor`; store "
             "each page's `next_cursor` and send it next time: every entry comes exactly once, a reading "
             "that arrives from a phone days late included. An empty `readings` list means nothing new "
             "yet (`next_cursor` stays the same). 400 `cursor_invalid` for a cursor that was altered."),
         responses={200: ResponseSpec(data_container=FeedPage, description="A page of the feed",
                                      examples=[Example(summary="One reading", value=msgspec.to_builtins(_EXAMPLE))])})
    async def readings(
        self, client: ClientDep, settings: SettingsDep, cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 500,
    ) -> FeedPage:
        seq = services.decode_cursor(settings, cursor)
        entries, last = await readings.changes_after(seq, limit)
        readings.with_photo_links(settings, entries)
        return FeedPage(readings=[FeedEntry(**{k: v for k, v in e.items() if k != "has_photo"}) for e in entries],
                        next_cursor=services.encode_cursor(settings, last))

    @post("/registry", opt={"scope": "registry:write"}, status_code=200,
          summary="Registry upserts (scope registry:write)",
          description=(
              "Customers, service points and meters from the billing system, one row per meter with the "
              "columns of the registry file import (README, \"Registry import\"), checked by the same rules. "
              "Answers the plan: what is added and what changes (naming the fields). With `dry_run` nothing "
              "is written. With any error nothing is written and the answer is 422 `registry_invalid` with "
              "`errors`: each the row (1 = the first of `rows`), the column and the reason. Rows are added or "
              "changed, never ended: what a request does not list stays as it is. 409 `registry_busy` while "
              "the office imports a registry file (one import at a time)."),
          responses={
              200: ResponseSpec(data_container=RegistryPlanOut, description="The plan, applied unless dry_run",
                                examples=[Example(summary="A new meter, an e-mail changed",
                                                  value=msgspec.to_builtins(_REGISTRY_EXAMPLE))]),
              422: ResponseSpec(data_container=dict[str, Any], description="Errors: nothing was written",
                                examples=[Example(summary="A bad postcode", value=_REGISTRY_ERROR)])})
    async def registry(self, client: ClientDep,
                       data: Annotated[RegistryIn, Body(examples=[Example(summary="One meter", value=_REGISTRY_IN)])]
                       ) -> RegistryPlanOut:
        if not data.dry_run and (held := await imports.holder()) is not None:
            raise imports.busy(held)  # one registry import at a time: the office's is under way
        plan = await customers.registry_upsert(data.rows, data.dry_run, today_in_warsaw(),
                                               actor=f"api:{client.name}",  # the audit trail names the token
                                               readings=readings.registry_readings)  # final readings (13.4)
        return _plan_out(plan, data.dry_run)

    @patch("/customers/{customer_number:str}", opt={"scope": "registry:write"},
           summary="A customer's contact data, by the customer number (scope registry:write)",
           description=(
               "Only the fields given change (absent or null: unchanged): `name`, `email`, `phone`, the "
               "correspondence address (`street`, `house_number`, `postcode`, `town`), "
               "`billing_period_months`. Checked by the registry import's rules and written by the same "
               "code as `POST /registry` (audit entry, the `customer.contact_changed` webhook for contact "
               "data). Answers the plan. 404 `unknown_customer` for a number e-BOK does not know (nothing is "
               "added: that is `POST /registry`); 422 `registry_invalid` with `errors` (the column and the "
               "file import's code) and nothing written; 409 `registry_busy` while the office imports a file. "
               "A contact field a resident changed in e-BOK after the billing system's last value is kept "
               "and listed in `conflicts` until the billing system sends e-BOK's value (README, \"Registry "
               "import\"); an empty `email` or `phone` keeps e-BOK's."),
           responses={
               200: ResponseSpec(data_container=RegistryPlanOut, description="The plan, applied",
                                 examples=[Example(summary="The e-mail changed",
                                                   value=msgspec.to_builtins(_CUSTOMER_PATCH_EXAMPLE))]),
               404: ResponseSpec(data_container=dict[str, Any], description="No customer has this number",
                                 examples=[Example(summary="An unknown number", value=_UNKNOWN_CUSTOMER)]),
               422: ResponseSpec(data_container=dict[str, Any], description="Errors: nothing was written",
                                 examples=[Example(summary="A bad postcode", value=_PATCH_ERROR)])})
    async def update_customer(
        self, client: ClientDep, customer_number: Annotated[str, Parameter(pattern=LINE_PATTERN, max_length=20)],
        data: Annotated[CustomerPatch, Body(examples=[Example(summary="A new e-mail and phone",
                                                               value=_CUSTOMER_PATCH_IN)])],
    ) -> RegistryPlanOut:
        plan = await _update("customer", customer_number, msgspec.to_builtins(data), client)
        if plan is None:
            raise ApiError("unknown_customer", f"No customer has the number {customer_number!r}", 404,
                           field="customer_number")
        return _plan_out(plan, False, rows=False)

    @patch("/meters/{meter_serial:str}", opt={"scope": "registry:write"},
           summary="A meter's registry data, by its serial (scope registry:write)",
           description=(
               "Only the fields given change (absent or null: unchanged): `meter_kind`, `meter_digits`, "
               "`installed_on`, `verification_due`, `initial_reading`, and `removed_on` with `final_reading` "
               "to take the meter off its point: the registry import's rules (not in the future, not before "
               "installation or the meter's last reading in e-BOK, the final value within the register and "
               "not below the last reading), the final reading recorded as the import records it (source "
               "`import`, the `reading.received` webhook), the audit entry. The meter stays on its point "
               "(a move is `POST /registry`). 404 `unknown_meter` for a serial e-BOK does not know; 422 "
               "`registry_invalid` with `errors` and nothing written; 409 `registry_busy` while the office "
               "imports a file."),
           responses={
               200: ResponseSpec(data_container=RegistryPlanOut, description="The plan, applied",
                                 examples=[Example(summary="Taken off with its final reading",
                                                   value=msgspec.to_builtins(_METER_PATCH_EXAMPLE))]),
               404: ResponseSpec(data_container=dict[str, Any], description="No meter has this serial",
                                 examples=[Example(summary="An unknown serial", value=_UNKNOWN_METER)]),
               422: ResponseSpec(data_container=dict[str, Any], description="Errors: nothing was written",
                                 examples=[Example(summary="A final reading below the last one",
                                                   value=_METER_PATCH_ERROR)])})
    async def update_meter(
        self, client: ClientDep, meter_serial: Annotated[str, Parameter(pattern=LINE_PATTERN, max_length=40)],
        data: Annotated[MeterPatch, Body(examples=[Example(summary="Taken off with its final reading",
                                                            value=_METER_PATCH_IN)])],
    ) -> RegistryPlanOut:
        plan = await _update("meter", meter_serial, msgspec.to_builtins(data), client)
        if plan is None:
            raise ApiError("unknown_meter", f"No meter has the serial {meter_serial!r}", 404, field="meter_serial")
        return _plan_out(plan, False, rows=False)

    @post("/documents", opt={"scope": "documents:write"}, status_code=200,
          request_max_body_size=DOCUMENTS_MAX_BODY, summary="Documents with their PDF (scope documents:write)",
          description=(
              "External billing (`EBOK_BILLING=external`): invoices, corrections and reminders the billing "
              "system issued, each with its PDF (`pdf_base64`, at most 10 MB, checked to be a readable PDF). "
              "Residents see them with their balances, the PDF, transfer details with QR and online payment. "
              "All or nothing: with any error nothing is written and the answer is 422 `documents_invalid` "
              "with `errors`, each the item (1 = the first document), the field and a stable `code` "
              "(`customer_unknown`, `pdf_invalid`, `pdf_too_large`, `document_conflict`, `document_unknown`, "
              "`number_duplicate`, `value_invalid`). The same document sent again is `unchanged`; other values "
              "under a number already used are `document_conflict`. 409 `billing_builtin` while e-BOK bills itself."),
          responses={
              200: ResponseSpec(data_container=DocumentsOut, description="Written (or already there)",
                                examples=[Example(summary="One invoice added",
                                                  value={"added": ["FV/2026/11/00042"], "unchanged": []})]),
              422: ResponseSpec(data_container=dict[str, Any], description="Errors: nothing was written",
                                examples=[Example(summary="An unknown customer and a file that is not a PDF",
                                                  value=_DOCUMENTS_ERROR)])})
    async def documents(self, client: ClientDep, settings: SettingsDep,
                        data: Annotated[DocumentsIn, Body(examples=[Example(summary="An invoice",
                                                                            value=_DOCUMENT_IN)])]) -> DocumentsOut:
        items = []
        for n, d in enumerate(data.documents, start=1):
            try:
                pdf = base64.b64decode(d.pdf_base64, validate=True)
            except (binascii.Error, ValueError):
                raise billing.BatchInvalid("documents_invalid", [billing.ItemError(
                    n, "pdf_base64", "pdf_invalid", "pdf_base64 is not base64")]) from None
            items.append(billing.DocumentItem(
                number=d.number, kind=d.kind, customer_number=d.customer_number, issue_date=d.issue_date,
                due_date=d.due_date, gross_grosze=d.gross_grosze, pdf=pdf, net_grosze=d.net_grosze,
                vat_grosze=d.vat_grosze, period_start=d.period_start, period_end=d.period_end,
                refers_to=d.refers_to, reminds=list(d.reminds), reason=d.reason))
        added, unchanged = await billing.import_documents(settings, items)
        return DocumentsOut(added=added, unchanged=unchanged)

    @post("/payments", opt={"scope": "payments:write"}, status_code=200,
          summary="Payments the billing system booked (scope payments:write)",
          description=(
              "External billing: payments booked in the billing system (bank, cash desk), allocated to the "
              "customer's open documents oldest first. Each `external_id` is recorded once: sent again it is "
              "a no-op listed in `duplicates`, never a second payment (a payment made online in e-BOK and sent "
              "back with the `external_id` of the payments feed is one too). All or nothing: 422 "
              "`payments_invalid` with `errors` (`customer_unknown`, `value_invalid`); 409 `billing_builtin` "
              "while e-BOK bills itself."),
          responses={
              200: ResponseSpec(data_container=PaymentsOut, description="Recorded (or known already)",
                                examples=[Example(summary="One new, one sent before",
                                                  value={"recorded": ["BANK-2026-11-30-0017"],
                                                         "duplicates": ["BANK-2026-11-29-0003"]})]),
              422: ResponseSpec(data_container=dict[str, Any], description="Errors: nothing was recorded",
                                examples=[Example(summary="An unknown customer", value=_PAYMENTS_ERROR)])})
    async def payments_in(self, client: ClientDep, settings: SettingsDep,
                          data: Annotated[PaymentsIn, Body(examples=[Example(summary="A bank transfer",
                                                                             value=_PAYMENT_IN)])]) -> PaymentsOut:
        recorded, duplicates = await billing.import_payments(settings, [billing.PaymentItem(
            external_id=p.external_id, customer_number=p.customer_number, amount_grosze=p.amount_grosze,
            booked_on=p.booked_on, title=p.title, payer=p.payer) for p in data.payments])
        return PaymentsOut(recorded=recorded, duplicates=duplicates)

    @get("/payments", opt={"scope": "payments:write"}, summary="The payments feed (scope payments:write)",
         description=(
             "Payments residents made online in e-BOK, for the billing system to book, in the order e-BOK "
             "recorded them; walked by cursor like the readings feed (store `next_cursor`; every payment comes "
             "once; an empty list: nothing new). Each carries the `external_id` to send back with it, and the "
             "document numbers it settled. 400 `cursor_invalid` for a cursor that was altered (or is one of "
             "the readings feed)."),
         responses={200: ResponseSpec(data_container=PaymentPage, description="A page of the feed",
                                      examples=[Example(summary="One online payment",
                                                        value=msgspec.to_builtins(_PAYMENT_EXAMPLE))])})
    async def payments_feed(
        self, client: ClientDep, settings: SettingsDep, cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 500,
    ) -> PaymentPage:
        seq = services.decode_cursor(settings, cursor, feed="payments")
        entries, last = await billing.payments_made_in_ebok(seq, limit)
        numbers = {c["id"]: c["number"] for c in await customers.customers_brief(
            {str(e["payment"]["customer"]) for e in entries})}
        return PaymentPage(payments=[PaymentEntry(
            seq=e["seq"], external_id=e["payment"]["external_id"], customer_number=numbers.get(
                str(e["payment"]["customer"]), ""), amount_grosze=int(e["payment"]["amount_grosze"]),
            booked_on=e["payment"]["booked_on"].isoformat(), paid_at=e["payment"]["created_at"].isoformat(),
            source=e["payment"]["source"], title=e["payment"]["title"], documents=e["documents"])
            for e in entries], next_cursor=services.encode_cursor(settings, last, feed="payments"))

    @get("/own/readings", opt={"scope": "own:read"}, summary="A resident's own meters and their last reading (own:read)",
         description=("For a resident's own token (Konto → Dostęp dla aplikacji): each meter of the resident's "
                      "customers with its last accepted reading (m³ and litres) and the average daily use."))
    async def own_readings(self, client: ClientDep, settings: SettingsDep) -> OwnReadings:
        viewer = CurrentUser(id=client.owner or "", email="", name="", role="resident", language="pl",
                             customer_ids=client.customer_ids, session_id="")
        meters = await readings.meters_for(settings, viewer)
        return OwnReadings(meters=[OwnMeter(
            meter_id=m.id, customer_number=m.customer_number, serial=m.serial, kind=m.kind, address=m.address,
            last_reading=OwnReading(value_litres=m.last_reading.value_litres, value_m3=m.last_reading.value_litres / 1000,
                                    captured_at=m.last_reading.captured_at, source=m.last_reading.source,
                                    status=m.last_reading.status) if m.last_reading else None,
            avg_daily_litres=m.avg_daily_litres) for m in meters])

    @get("/own/balance", opt={"scope": "own:read"}, summary="A resident's own balance (own:read)")
    async def own_balance(self, client: ClientDep) -> OwnBalance:
        b = await billing.balance(client.customer_ids)
        return OwnBalance(total_grosze=b["total_grosze"], overdue_grosze=b["overdue_grosze"],
                          total_pln=b["total_grosze"] / 100)


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def _update(kind: str, key: str, given: dict[str, Any], client: services.Client) -> Any:
    if (held := await imports.holder()) is not None:
        raise imports.busy(held)  # one registry import at a time: the office's is under way
    return await customers.registry_update(kind, key, given, today_in_warsaw(), actor=f"api:{client.name}",
                                           readings=readings.registry_readings)


def _plan_out(plan: Any, dry_run: bool, rows: bool = True) -> RegistryPlanOut:
    """The plan as the answer, or 422 registry_invalid naming each error's row (of `rows`; a
    partial update has none), column and the file import's code."""
    if plan.errors:
        raise ApiError("registry_invalid", f"{len(plan.errors)} errors: nothing was written", 422, extra={
            "errors": [{**({"row": e.line} if rows else {}), "column": e.column, "code": e.code,
                        "params": dict(e.params), "reason": e.reason} for e in plan.errors[:1000]],
            "error_count": len(plan.errors)})
    return RegistryPlanOut(
        dry_run=dry_run, applied=not dry_run and not plan.empty, unchanged=plan.empty,
        add={k: list(v) for k, v in plan.add.items()},
        change=[RegistryChange(kind=c.kind, key=c.key, fields={
            f: FieldChange(before=_plain(b), after=_plain(a)) for f, (b, a) in c.fields.items()})
            for changes in plan.change.values() for c in changes],
        conflicts=[RegistryConflict(customer_number=c.key, field=c.field, ebok=c.ebok, given=c.file,
                                    changed_in_ebok_at=_plain(c.changed_at)) for c in plan.conflicts])


class AppTokensController(Controller):
    """A resident's own read-only tokens (Konto → Dostęp dla aplikacji), with the session and CSRF."""

    path = "/api/account/app-tokens"
    guards = [logged_in]

    @get("/")
    async def list_tokens(self, user: UserDep) -> list[OwnTokenOut]:
        if user.role != "resident":
            return []
        return await services.own_tokens(user)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_token(self, user: UserDep, data: JSONBody[OwnTokenIn]) -> OwnTokenCreated:
        token, secret = await services.create_own_token(user, data.name)
        return OwnTokenCreated(token=token, secret=secret)

    @delete("/{token_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def revoke_token(self, user: UserDep, token_id: FromPath[Id]) -> None:
        await services.revoke_own_token(user, token_id)


class StaffWebhooksController(Controller):
    """The office's webhooks: its endpoints (the secret shown once, at creation), the delivery log
    with each endpoint's last answer, and sending one event again."""

    path = "/api/staff/webhooks"
    guards = [staff_only]
    tags = ["webhooks"]

    @get("/")
    async def list_endpoints(self) -> list[EndpointOut]:
        return await webhooks.list_endpoints()

    @post("/", status_code=HTTP_201_CREATED)
    async def create_endpoint(self, data: JSONBody[WebhookIn], settings: SettingsDep) -> EndpointCreated:
        return await webhooks.create_endpoint(settings, data.url, list(data.events), data.description)

    @delete("/{endpoint_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def disable_endpoint(self, endpoint_id: FromPath[Id]) -> None:
        await webhooks.disable_endpoint(endpoint_id)

    @get("/deliveries")
    async def deliveries(self, endpoint: OptionalId = None) -> list[DeliveryOut]:
        return await webhooks.deliveries(endpoint)

    @post("/deliveries/{delivery_id:str}/resend", status_code=200)
    async def resend(self, delivery_id: FromPath[Id]) -> DeliveryOut:
        return await webhooks.resend(delivery_id)


MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class StaffExportController(Controller):
    """The office downloads a month's readings (what `ebok export readings` writes)."""

    path = "/api/staff/readings-export"
    guards = [staff_only]

    @get("/")
    async def download(self, settings: SettingsDep, period: Annotated[str, QueryParameter(pattern=r"^[0-9]{4}-[0-9]{2}$")],
                       format: Annotated[str, QueryParameter(pattern="^(csv|xlsx|json)$")] = "csv",
                       status: Annotated[list[Line] | None, QueryParameter(max_items=5)] = None) -> Response[bytes]:
        rows = readings.with_photo_links(settings, await readings.period_readings(period, status or []))
        return Response(export.render(rows, format), media_type=MEDIA[format], headers={
            "content-disposition": f'attachment; filename="odczyty-{period}.{format}"', "cache-control": "no-store"})


controllers = [IntegrationController, AppTokensController, StaffWebhooksController, StaffExportController]
