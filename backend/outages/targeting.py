"""Who an outage reaches: the service points in its area, the accounts of their customers, the
devices of those accounts that chose one of those points, and the e-mail fallback (customers that
consented to alert e-mails, in the consents register)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.accounts import services as accounts
from backend.consents import services as consents
from backend.core import sms
from backend.customers import services as customers
from backend.outages import area
from backend.outages.tables import PushSubscription

CHUNK = 500


@dataclass
class Audience:
    points: list[dict[str, Any]] = field(default_factory=list)
    customers: set[str] = field(default_factory=set)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)  # the devices to alert
    email_users: list[dict[str, Any]] = field(default_factory=list)  # {id, email, language}: no device alerted
    # {customer, phone, language}: SMS consent, a mobile number, and none of its accounts' devices alerted
    sms_customers: list[dict[str, Any]] = field(default_factory=list)


def device_matches(sub: dict[str, Any], user_id: str, users_by_point: dict[str, set[str]],
                   users_in_area: set[str]) -> bool:
    """A device is alerted when one of its chosen service points is in the area (all of the
    user's points when it chose "all") and the user still has access to that point."""
    if sub["all_points"]:
        return user_id in users_in_area
    return any(user_id in users_by_point.get(str(pid), ()) for pid in sub["service_point_ids"])


async def audience(outage_area: dict[str, Any], town: str) -> Audience:
    out = Audience(points=await area.points_in(outage_area, town))
    out.customers = {str(p["customer"]) for p in out.points}
    by_customer = await accounts.accounts_of_customers(sorted(out.customers))
    users_by_point: dict[str, set[str]] = {}
    users: dict[str, dict[str, Any]] = {}
    refused = await consents.withdrawn_of(sorted(out.customers), "push_alerts")
    users_in_area: set[str] = set()  # every active user linked to a point in the area whose customer allows push
    for point in out.points:
        linked = [u for u in by_customer.get(str(point["customer"]), []) if u["active"]]
        users.update({u["id"]: u for u in linked})
        if str(point["customer"]) in refused:
            continue  # the push consent is withdrawn: none of its devices, the e-mail rule still applies
        users_by_point[str(point["id"])] = {u["id"] for u in linked}
        users_in_area.update(u["id"] for u in linked)
    ids = sorted(users)
    alerted: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        rows = await PushSubscription.select(
            PushSubscription.id, PushSubscription.user, PushSubscription.endpoint, PushSubscription.all_points,
            PushSubscription.service_point_ids,
        ).where(PushSubscription.user.is_in(ids[start:start + CHUNK])).output(load_json=True)
        for sub in rows:
            user_id = str(sub["user"])
            if device_matches(sub, user_id, users_by_point, users_in_area):
                out.subscriptions.append(sub)
                alerted.add(user_id)
    # the e-mail fallback: accounts of the customers in the area that consented to alert e-mails
    consenting = await consents.email_alerts_given(sorted(out.customers))
    wanting = {u["id"] for c in consenting for u in by_customer.get(c, []) if u["active"]}
    rest = [i for i in ids if i not in alerted]
    out.email_users = [{"id": i, "email": users[i]["email"], "language": users[i]["language"]}
                       for i in rest if i in wanting and users[i]["email"]]
    # the SMS fallback, by the same rule: the customer's own phone, when no device of theirs got the push
    texting = await consents.given_of(sorted(out.customers), "sms_alerts")
    phones = await customers.phones_of(sorted(texting))
    for customer_id in sorted(texting):
        linked = by_customer.get(customer_id, [])
        number = sms.mobile(phones.get(customer_id, ""))
        if number and not any(u["id"] in alerted for u in linked):
            language = next((u["language"] for u in linked if u["active"]), "pl")
            out.sms_customers.append({"customer": customer_id, "phone": number, "language": language})
    return out
