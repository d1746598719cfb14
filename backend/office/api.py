"""HTTP endpoints of the office's customer screen (staff only; another role gets 404)."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody

from backend.accounts.guards import UserDep, staff_only
from backend.core.types import Id
from backend.office import services
from backend.office.schemas import ContactIn, CustomerScreenOut, ExchangeIn, ExchangeOut


class CustomerScreenController(Controller):
    path = "/api/staff/customers/{customer_id:str}"
    guards = [staff_only]

    @get("/")
    async def one(self, customer_id: FromPath[Id]) -> CustomerScreenOut:
        return await services.screen(customer_id)

    @patch("/contact")
    async def contact(self, user: UserDep, customer_id: FromPath[Id], data: JSONBody[ContactIn]) -> CustomerScreenOut:
        return await services.correct_contact(user, customer_id, data)

    @post("/meter-exchange", status_code=201)
    async def exchange(self, user: UserDep, customer_id: FromPath[Id], data: JSONBody[ExchangeIn]) -> ExchangeOut:
        return await services.exchange_meter(user, customer_id, data)


controllers = [CustomerScreenController]
