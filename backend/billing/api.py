"""HTTP endpoints of settlements: the resident's documents, balances and payments, the gateway's
notifications, the sandbox gateway's page, and the office's billing screens."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.types import ControllerRouterHandler

from backend.accounts.guards import UserDep, logged_in, staff_only
from backend.audit import services as audit
from backend.billing import einvoice, external, invoices, online, payments, qr, services, statements, tariffs
from backend.billing.calc import Prices
from backend.billing.run import run_billing
from backend.billing.schemas import (
    AssignIn,
    BillingModeOut,
    DocumentOut,
    EInvoiceIn,
    EInvoiceOut,
    OnlinePaymentOut,
    PayIn,
    PayStartOut,
    PriceListOut,
    PublicTariffOut,
    RunIn,
    RunOut,
    SandboxDecisionIn,
    SandboxDecisionOut,
    SandboxPaymentOut,
    SettlementsOut,
    StatementOut,
    TariffIn,
    TariffOut,
    TariffsOut,
    TransferOut,
    UnitPrice,
    UnmatchedRow,
)
from backend.billing.tables import BillingRun, Payment
from backend.core import conditional
from backend.core.errors import ApiError, not_found
from backend.core.types import Id, Line, OptionalId
from backend.customers import services as customers
from backend.settings import SettingsDep


class SettlementsController(Controller):
    path = "/api/settlements"
    guards = [logged_in]

    @get("", responses=conditional.NOT_MODIFIED)
    async def overview(self, request: Request, user: UserDep, settings: SettingsDep) -> Response[SettlementsOut]:
        return conditional.answer(request, user.id, await invoices.settlements(settings, user))

    @get("/documents/{document_id:str}")
    async def document(self, user: UserDep, document_id: FromPath[Id]) -> DocumentOut:
        return await invoices.detail(user, document_id)

    @get("/documents/{document_id:str}/pdf")
    async def pdf(self, user: UserDep, settings: SettingsDep, document_id: FromPath[Id]) -> Response[bytes]:
        data, filename = await services.visible_pdf(settings, user, document_id)
        return Response(data, media_type="application/pdf", headers={
            "content-disposition": f'inline; filename="{filename}"', "cache-control": "private, no-store"})

    @get("/transfer")
    async def transfer(self, user: UserDep, settings: SettingsDep, document_id: FromQuery[OptionalId] = None,
                       customer_id: FromQuery[OptionalId] = None) -> TransferOut:
        return await invoices.transfer(settings, user, document_id, customer_id)

    @get("/transfer/qr.svg")
    async def transfer_qr(self, user: UserDep, settings: SettingsDep, document_id: FromQuery[OptionalId] = None,
                          customer_id: FromQuery[OptionalId] = None) -> Response[bytes]:
        t = await invoices.transfer(settings, user, document_id, customer_id)
        if not t.qr_payload:
            raise not_found("QR code")
        return Response(qr.svg(t.qr_payload), media_type="image/svg+xml",
                        headers={"cache-control": "private, no-store"})

    @post("/payments", status_code=201)
    async def pay(self, user: UserDep, settings: SettingsDep, data: JSONBody[PayIn]) -> PayStartOut:
        return await online.start(settings, user, data)

    @get("/payments/{payment_id:str}")
    async def payment(self, user: UserDep, payment_id: FromPath[Id]) -> OnlinePaymentOut:
        return await online.status(user, payment_id)

    @put("/einvoice")
    async def einvoice(self, user: UserDep, data: JSONBody[EInvoiceIn]) -> EInvoiceOut:
        if data.customer_id not in user.customer_ids:
            raise not_found("customer")
        customer = await customers.get_customer(data.customer_id)
        email = (customer or {}).get("email") or user.email
        return await einvoice.set_consent(data.customer_id, data.granted, email, user.id,
                                           channel="office" if user.is_staff else "portal")


@post("/api/payments/notify/{gateway:str}", status_code=200, exclude_from_csrf=True)
async def notify(request: Request, settings: SettingsDep, gateway: FromPath[Line]) -> dict[str, str]:
    """The gateway's server-to-server notification (no session, no CSRF: the signature is the proof)."""
    try:
        body = msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        raise ApiError("notification_invalid", "not JSON", 400) from None
    if not isinstance(body, dict):
        raise ApiError("notification_invalid", "not an object", 400)
    await online.handle_notification(settings, gateway, body)
    return {"status": "ok"}


class SandboxGatewayController(Controller):
    """The demo gateway's page data: reached by its unguessable token, like a gateway's page."""

    path = "/api/sandbox-gateway"

    @get("/{token:str}")
    async def show(self, settings: SettingsDep, token: FromPath[Line]) -> SandboxPaymentOut:
        return await online.sandbox_view(settings, token)

    @post("/{token:str}", status_code=200)
    async def decide(self, settings: SettingsDep, token: FromPath[Line], data: JSONBody[SandboxDecisionIn]
                     ) -> SandboxDecisionOut:
        return SandboxDecisionOut(redirect_url=await online.sandbox_decide(settings, token, data.outcome))


@get("/api/price-list")
async def price_list() -> PriceListOut:
    """The residents' price list (Cennik), public like the Informacje page that links to it."""
    return PriceListOut(tariffs=[PublicTariffOut(
        name=p.name, valid_from=p.valid_from.isoformat(), valid_to=p.valid_to.isoformat() if p.valid_to else None,
        status=status, water_per_m3=_unit(p.water, p.vat_water), sewage_per_m3=_unit(p.sewage, p.vat_sewage),
        fee_per_meter_month=_unit(p.fee, p.vat_fee)) for p, status in await tariffs.price_list()])


def _unit(net: int, vat_pct: int) -> UnitPrice:
    return UnitPrice(net_grosze=net, vat_pct=vat_pct, gross_grosze=tariffs.gross(net, vat_pct))


class BillingStaffController(Controller):
    path = "/api/staff/billing"
    guards = [staff_only]

    @post("/runs", status_code=201)
    async def run(self, user: UserDep, settings: SettingsDep, data: JSONBody[RunIn]) -> RunOut:
        r = await run_billing(settings, data.period, user_id=user.id)
        await audit.record(user, "billing.run", "billing_run", data.period, None,
                           {"invoices": r.invoices, "estimated": r.estimated, "reminders": r.reminders})
        return RunOut(period=r.period, invoices=r.invoices, estimated=r.estimated, reminders=r.reminders,
                      seconds=round(r.seconds, 2))

    @get("/mode")
    async def mode(self, settings: SettingsDep) -> BillingModeOut:
        """builtin: e-BOK issues the invoices; external: the utility's billing system does (the screen says so)."""
        return BillingModeOut(billing=settings.billing)

    @get("/runs")
    async def runs(self) -> list[RunOut]:
        rows = await BillingRun.select().order_by(BillingRun.created_at, ascending=False).limit(20)
        return [RunOut(period=r["period"], invoices=r["invoices"], estimated=r["estimated"], reminders=r["reminders"],
                       seconds=float(r["seconds"]), created_at=r["created_at"].isoformat()) for r in rows]

    @post("/statements", status_code=201, request_max_body_size=statements.MAX_BYTES + 64 * 1024)
    async def statement(self, request: Request, user: UserDep, settings: SettingsDep) -> StatementOut:
        external.refuse_when_external(settings)  # the billing system books the bank's payments
        if request.content_type[0] != "multipart/form-data":
            raise ApiError("invalid_request", "Send multipart/form-data", 400)
        form = await request.form()
        upload: Any = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError("field_required", "file is required", 400, field="file")
        data = await upload.read()
        out = await statements.import_statement(settings, upload.filename or "wyciag", data, user.id)
        if not out.already_imported:
            await audit.record(user, "statement.import", "statement_import", out.id, None, out)
        return out

    @get("/unmatched")
    async def unmatched(self) -> list[UnmatchedRow]:
        rows = await Payment.select().where(Payment.customer.is_null()).order_by(Payment.booked_on).limit(200)
        return [UnmatchedRow(id=str(r["id"]), amount_grosze=int(r["amount_grosze"]), booked_on=r["booked_on"].isoformat(),
                             account=r["account"], payer=r["payer"], title=r["title"]) for r in rows]

    @post("/unmatched/{payment_id:str}/assign", status_code=200)
    async def assign(self, user: UserDep, payment_id: FromPath[Id], data: JSONBody[AssignIn]) -> dict[str, str]:
        customer_id = await customers.customer_id_by_number(data.customer_number)
        if not customer_id:
            raise ApiError("customer_unknown", "No customer has this number", 400, field="customer_number")
        try:
            done = await payments.assign_payment(payment_id, customer_id, user.id)
        except ValueError:
            done = False
        if not done:
            raise not_found("unmatched payment")
        await audit.record(user, "payment.assign", "payment", payment_id, {"customer_number": None},
                           {"customer_number": data.customer_number}, customer_id=customer_id)
        return {"status": "assigned"}

    @get("/tariffs")
    async def tariffs_list(self) -> TariffsOut:
        billed = await tariffs.last_billed_day()
        return TariffsOut(tariffs=[_tariff_out(p) for p in reversed(await tariffs.all_tariffs())],
                          billed_until=billed.isoformat() if billed else None)

    @post("/tariffs", status_code=201)
    async def tariff_create(self, user: UserDep, settings: SettingsDep, data: JSONBody[TariffIn]) -> TariffOut:
        external.refuse_when_external(settings)
        out = _tariff_out(await tariffs.create_tariff(data.name, data.valid_from, data.water, data.sewage, data.fee,
                                                      data.vat_pct))
        await audit.record(user, "tariff.create", "tariff", out.id, None, out)
        return out

    @delete("/tariffs/{tariff_id:str}", status_code=204)
    async def tariff_remove(self, user: UserDep, tariff_id: FromPath[Id]) -> None:
        before = next((_tariff_out(p) for p in await tariffs.all_tariffs() if p.id == tariff_id), None)
        await tariffs.remove_latest_tariff(tariff_id)
        await audit.record(user, "tariff.remove", "tariff", tariff_id, before, None)

    @post("/documents/{document_id:str}/correct", status_code=201)
    async def correct(self, user: UserDep, settings: SettingsDep, document_id: FromPath[Id]) -> DocumentOut:
        new_id = await invoices.correct(settings, document_id)
        out = await invoices.detail(user, new_id)
        await audit.record(user, "invoice.correct", "document", document_id, None,
                           {"correction_id": str(new_id), "number": out.document.number},
                           customer_id=out.document.customer_id)
        return out


def _tariff_out(p: Prices) -> TariffOut:
    return TariffOut(id=p.id, name=p.name, valid_from=p.valid_from.isoformat(),
                     valid_to=p.valid_to.isoformat() if p.valid_to else None, water_grosze_per_m3=p.water,
                     sewage_grosze_per_m3=p.sewage, fee_grosze_per_meter_month=p.fee, vat_pct=p.vat_water)


controllers: list[ControllerRouterHandler] = [
    SettlementsController, notify, price_list, SandboxGatewayController, BillingStaffController]
