"""NRB and the ZBP transfer QR code against known-good values; allocation properties (hypothesis)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import msgspec
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from backend.billing import nrb, qr
from backend.billing.allocation import OpenDoc, allocate
from backend.settings import Settings

S = msgspec.structs.replace(Settings(), bank_settlement_number="10901014", virtual_account_prefix="7770")


def test_nrb_known_good_values():
    # a published example account (checksum verified by any Polish bank)
    assert nrb.is_valid_nrb("61 1090 1014 0000 0712 1981 2874")
    assert not nrb.is_valid_nrb("62 1090 1014 0000 0712 1981 2874")
    account = nrb.customer_account(S, "100001")
    assert account == "82109010147770000000100001"
    assert int(account[2:] + "2521" + account[:2]) % 97 == 1  # the IBAN check by hand: BBAN, "PL" as 2521, digits
    assert nrb.format_nrb(account) == "82 1090 1014 7770 0000 0010 0001"
    assert nrb.customer_number_for(S, "PL" + account) == "100001"
    assert nrb.customer_number_for(S, "61109010140000071219812874") is None  # someone else's account
    assert nrb.accounts_in("~3182 1090 1014 7770 0000 0010 0001~32ANNA") == [account]


def test_zbp_payload_and_the_code_decodes_back():
    account = nrb.customer_account(S, "100001")
    payload = qr.zbp_payload("847-100-12-33", account, 12_345, "Wodociągi Demo Sp. z o.o.", "FV/2026/10/000001")
    assert payload == "8471001233|PL|82109010147770000000100001|012345|Wodociągi Demo Sp. z|FV/2026/10/000001|||"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.png(payload))))
    assert [d.text for d in decoded] == [payload]
    assert b"<svg" in qr.svg(payload)


def test_zbp_payload_limits():
    account = nrb.customer_account(S, "100001")
    assert qr.zbp_payload("", account, 5, "A|B", "x" * 40).split("|")[3:6] == ["000005", "A B", "x" * 32]
    try:
        qr.zbp_payload("", account, 1_000_000, "A", "B")
    except ValueError:
        pass
    else:
        raise AssertionError("7-digit amounts do not fit the code")


docs_strategy = st.lists(st.tuples(st.integers(1, 50_000), st.integers(0, 400)), min_size=0, max_size=12)


@settings(max_examples=200, deadline=None)
@given(docs=docs_strategy, payments=st.lists(st.integers(1, 80_000), max_size=10), data=st.data())
def test_balance_is_documents_minus_payments_and_allocation_never_exceeds(docs, payments, data):
    open_docs = [OpenDoc(f"d{i}", amount, date(2026, 1, 1) + timedelta(days=due), f"FV/{i:06d}")
                 for i, (amount, due) in enumerate(docs)]
    remaining = {d.id: d.remaining for d in open_docs}
    unallocated = 0
    for amount in payments:
        preferred = data.draw(st.lists(st.sampled_from([d.id for d in open_docs]), max_size=2)) if open_docs else []
        current = [OpenDoc(d.id, remaining[d.id], d.due_date, d.number) for d in open_docs]
        parts = allocate(amount, current, preferred)
        assert sum(a for _, a in parts) <= amount
        for doc_id, a in parts:
            assert 0 < a <= remaining[doc_id]
            remaining[doc_id] -= a
        unallocated += amount - sum(a for _, a in parts)
        assert unallocated == 0 or all(v == 0 for v in remaining.values())  # money left only when all is paid
    total = sum(a for a, _ in docs) - sum(payments)
    assert total == sum(remaining.values()) - unallocated
    assert all(v >= 0 for v in remaining.values())


def test_oldest_first_unless_chosen():
    docs = [OpenDoc("new", 100, date(2026, 3, 1), "2"), OpenDoc("old", 100, date(2026, 1, 1), "1")]
    assert allocate(150, docs) == [("old", 100), ("new", 50)]
    assert allocate(150, docs, ["new"]) == [("new", 100), ("old", 50)]
