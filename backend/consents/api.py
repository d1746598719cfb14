"""HTTP endpoints of consents: the resident's consents with history, give and withdraw; for the
office, the customer search with the contact-data consent and opening an account after it."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.accounts import services as accounts
from backend.accounts.guards import UserDep, logged_in, staff_only
from backend.accounts.schemas import AccountOut, CreateResidentIn
from backend.audit import services as audit
from backend.consents import services
from backend.consents.schemas import ConsentIn, ConsentOut, CustomerConsentsOut, PreferenceIn, PreferencesOut
from backend.core.clock import iso
from backend.core.types import Id, Line
from backend.customers import services as customers
from backend.customers.schemas import CustomerSearchRow, StaffAccount
from backend.settings import SettingsDep


class ConsentsController(Controller):
    path = "/api/consents"
    guards = [logged_in]

    @get("/")
    async def list_consents(self, user: UserDep) -> list[CustomerConsentsOut]:
        return await services.consents_of(user.customer_ids)

    @put("/{customer_id:str}/{kind:str}")
    async def decide(self, user: UserDep, customer_id: FromPath[Id], kind: FromPath[Line],
                     data: JSONBody[ConsentIn]) -> ConsentOut:
        return await services.set_consent(user, customer_id, kind, data.given)


class PreferencesController(Controller):
    """Konto: Powiadomienia. Which kinds of message come by which channel; each change is a consent."""

    path = "/api/preferences"
    guards = [logged_in]

    @get("/")
    async def mine(self, user: UserDep) -> PreferencesOut:
        return await services.preferences(user)

    @put("/")
    async def change(self, user: UserDep, data: JSONBody[PreferenceIn]) -> PreferencesOut:
        await services.set_preference(user, data.customer_id, data.message, data.channel, data.on)
        return await services.preferences(user)


class StaffResidentsController(Controller):
    path = "/api/staff"
    guards = [staff_only]

    @get("/customers")
    async def search_customers(self, q: FromQuery[Line] = "", ended: FromQuery[bool] = False) -> list[CustomerSearchRow]:
        rows = await customers.search(q[:100], include_ended=ended)
        ids = [str(r["id"]) for r in rows]
        linked = await accounts.accounts_of_customers(ids)
        contact_since = await services.contact_consent_since(ids)
        return [
            CustomerSearchRow(
                id=str(r["id"]), number=r["number"], name=r["name"], email=r["email"], town=r["town"],
                street=r["street"], house_number=r["house_number"], phone=r["phone"],
                ended_on=r["ended_on"].isoformat() if r["ended_on"] else None,
                consent_contact_at=iso(contact_since.get(str(r["id"]))),
                accounts=[StaffAccount(id=a["id"], email=a["email"], active=a["active"])
                          for a in linked.get(str(r["id"]), [])],
            )
            for r in rows
        ]

    @post("/residents", status_code=HTTP_201_CREATED)
    async def create_resident(self, user: UserDep, data: JSONBody[CreateResidentIn], settings: SettingsDep
                              ) -> AccountOut:
        user_id = await services.open_resident_account(settings, data.customer_id, data.email, data.name,
                                                       data.consent)
        await audit.record(user, "account.create", "account", user_id, None,
                           {"email": accounts.normalize_email(data.email), "name": data.name, "role": "resident",
                            "consent_contact": True}, customer_id=data.customer_id)
        return AccountOut(id=str(user_id), email=accounts.normalize_email(data.email), active=False)


controllers = [ConsentsController, PreferencesController, StaffResidentsController]
