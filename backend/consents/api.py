"""HTTP endpoints of consents: the resident's consents with history, give and withdraw."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.params import FromPath, JSONBody

from backend.accounts.guards import UserDep, logged_in
from backend.consents import services
from backend.consents.schemas import ConsentIn, ConsentOut, CustomerConsentsOut


class ConsentsController(Controller):
    path = "/api/consents"
    guards = [logged_in]

    @get("/")
    async def list_consents(self, user: UserDep) -> list[CustomerConsentsOut]:
        return await services.consents_of(user.customer_ids)

    @put("/{customer_id:str}/{kind:str}")
    async def decide(self, user: UserDep, customer_id: FromPath[str], kind: FromPath[str],
                     data: JSONBody[ConsentIn]) -> ConsentOut:
        return await services.set_consent(user, customer_id, kind, data.given)


controllers = [ConsentsController]
