"""Shapes of the customer registry as the API shows it."""

from __future__ import annotations

import msgspec


class LastReading(msgspec.Struct):
    value_litres: int
    captured_at: str
    source: str
    status: str


class MeterOut(msgspec.Struct):
    id: str
    serial: str
    kind: str
    digits: int
    installed_on: str
    verification_due: str
    last_reading: LastReading | None


class ServicePointOut(msgspec.Struct):
    id: str
    street: str
    house_number: str
    apartment: str
    postcode: str
    town: str
    meters: list[MeterOut]


class CustomerOut(msgspec.Struct):
    id: str
    number: str
    name: str
    service_points: list[ServicePointOut]


class StaffAccount(msgspec.Struct):
    id: str
    email: str
    active: bool


class CustomerSearchRow(msgspec.Struct):
    id: str
    number: str
    name: str
    email: str
    town: str
    street: str
    house_number: str
    phone: str
    ended_on: str | None  # the contract ended (shown only when the search asks for ended ones)
    consent_contact_at: str | None
    accounts: list[StaffAccount]
