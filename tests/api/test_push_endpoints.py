"""Which push endpoints a resident may subscribe: the server POSTs to them, so only the known
push services (EBOK_PUSH_SERVICES) on https, never an address inside the network (SSRF)."""

from __future__ import annotations

import msgspec
import pytest

from backend.core import egress
from backend.core.errors import ApiError
from tests.api.test_outages import resident
from tests.push_service import Device
from tests.support import log_in

REFUSED = [
    "https://127.0.0.1/x", "https://localhost/x", "https://[::1]/x", "https://10.0.0.1/x",
    "https://169.254.169.254/latest/meta-data", "https://localhost./x", "https://127.1/x", "https://2130706433/x",
    "https://0x7f000001/x", "https://0177.0.0.1/x", "https://127.0.0.1.nip.io/x", "https://metadata.google.internal/x",
    "https://intranet/x", "http://fcm.googleapis.com/fcm/send/x", "https://fcm.googleapis.com:8443/fcm/send/x",
    "https://user@fcm.googleapis.com/fcm/send/x", "https://fcm.googleapis.com.evil.example/x",
    "https://fcm.googleapis.com/x\u0000", "https://fcm.googleapis.com/\u017c",
]
ACCEPTED = [
    "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABm",
    "https://web.push.apple.com/QGx4ZmZ0",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",
]


@pytest.fixture
def settings(settings):
    """As deployed: no test host is allowed."""
    return msgspec.structs.replace(settings, push_test_hosts=())


async def _subscribe(client, endpoint: str):
    return await client.post("/api/push/subscriptions", json=Device(endpoint=endpoint).to_json())


async def test_only_known_push_services_are_accepted(client, settings):
    await resident(settings, "ola@example.com")
    await log_in(client, "ola@example.com")
    for endpoint in REFUSED:
        r = await _subscribe(client, endpoint)
        # a control character is refused by the shared text type, before the endpoint check
        code = "invalid_request" if "\u0000" in endpoint else "push_endpoint_invalid"
        assert r.status_code == 400 and r.json()["code"] == code, (endpoint, r.text)
    for endpoint in ACCEPTED:
        r = await _subscribe(client, endpoint)
        assert r.status_code == 200, (endpoint, r.text)
    assert len((await client.get("/api/push/subscriptions")).json()) == len(ACCEPTED)


async def test_any_public_host_when_configured_still_refuses_inside_names(client, settings):
    """EBOK_PUSH_SERVICES=* : other push services too, but no address literal, no single-label
    or reserved name (a name that resolves inside is refused by the resolution below)."""
    app_settings = msgspec.structs.replace(settings, push_services=("*",))
    from backend.outages.subscriptions import check_endpoint

    for endpoint in REFUSED:
        if "nip.io" in endpoint:  # refused by resolving it, and the tests resolve no outside names
            continue
        with pytest.raises(ApiError, match="push endpoint"):
            await check_endpoint(app_settings, endpoint)


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.0.0.1", "::1",
                                  "::ffff:127.0.0.1", "10.0.0.1", "192.168.1.1", "169.254.169.254", "localhost",
                                  "100.64.0.1", "224.0.0.1", "0.0.0.0"])  # noqa: S104
async def test_resolution_refuses_addresses_that_are_not_public(host):
    with pytest.raises(egress.ForbiddenAddress):
        await egress.public_addresses(host, 443)


async def test_resolution_passes_public_addresses_and_allowed_test_hosts():
    assert await egress.public_addresses("8.8.8.8", 443) == ["8.8.8.8"]  # a literal: no DNS query
    assert await egress.public_addresses("2001:4860:4860::8888", 443) == ["2001:4860:4860::8888"]
    assert await egress.public_addresses("127.0.0.1", 443, allowed_hosts=["127.0.0.1"]) == ["127.0.0.1"]
