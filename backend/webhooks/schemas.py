"""What the office's webhook screens get."""

from __future__ import annotations

import msgspec


class EndpointOut(msgspec.Struct):
    id: str
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: str | None


class EndpointCreated(msgspec.Struct):
    endpoint: EndpointOut
    secret: str  # whsec_...: shown in this answer only


class DeliveryOut(msgspec.Struct):
    id: str
    event_id: str  # the webhook-id header: the same on every attempt
    type: str
    endpoint_id: str
    url: str
    status: str  # pending | delivered | failed
    attempts: int
    last_attempt_at: str | None
    next_attempt_at: str | None
    response_status: int | None  # the endpoint's last HTTP answer, None: no answer (connection failed)
    response_body: str  # its start, or the connection error
    delivered_at: str | None
    created_at: str
