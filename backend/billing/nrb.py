"""Individual account numbers (rachunki indywidualne): the utility's bank settlement number plus a
prefix and the customer number make a 26-digit NRB whose IBAN checksum schwifty computes; a
credit to such an account is matched back to the customer without reading the transfer title."""

from __future__ import annotations

import functools
import re

from backend.settings import Settings

_DIGITS = re.compile(r"\d{26,}", re.ASCII)
ACCOUNT_DIGITS = 16  # after the 8-digit settlement number


def _account_code(settings: Settings, customer_number: str) -> str:
    width = ACCOUNT_DIGITS - len(settings.virtual_account_prefix)
    number = customer_number.strip()
    if not number.isdigit() or len(number) > width:
        raise ValueError(f"customer number {customer_number!r} does not fit an individual account")
    return settings.virtual_account_prefix + number.zfill(width)


def customer_account(settings: Settings, customer_number: str) -> str:
    """The customer's NRB: 26 digits, no spaces."""
    return _nrb(settings.bank_settlement_number, _account_code(settings, customer_number))


@functools.lru_cache(maxsize=4096)
def _nrb(bank_code: str, account_code: str) -> str:
    # remembered: schwifty takes ~0.05 ms an account, and the settlements screen shows one per customer
    from schwifty import IBAN  # imported on first use (its bank registry costs start-up time)

    return str(IBAN.generate("PL", bank_code=bank_code, account_code=account_code))[2:]


def is_valid_nrb(text: str) -> bool:
    digits = re.sub(r"[\s-]", "", text).removeprefix("PL")
    if not digits.isdigit() or len(digits) != 26:
        return False
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN("PL" + digits)
    except SchwiftyException:
        return False
    return True


def customer_number_for(settings: Settings, account: str) -> str | None:
    """The customer number an individual account belongs to; None for any other account."""
    digits = re.sub(r"[\s-]", "", account).removeprefix("PL")
    if not is_valid_nrb(digits):
        return None
    head = settings.bank_settlement_number + settings.virtual_account_prefix
    if digits[2:2 + len(head)] != head:
        return None
    return str(int(digits[2 + len(head):]))


def accounts_in(text: str) -> list[str]:
    """Every 26-digit NRB written in free text (spaces inside numbers allowed), valid ones only."""
    compact = re.sub(r"(?<=\d)[ \u00a0](?=\d)", "", text.replace("PL", " "), flags=re.ASCII)
    found = []
    for run in _DIGITS.findall(compact):  # a run may be glued to a subfield code ("~31" + the number)
        found += [run[i:i + 26] for i in range(len(run) - 25) if is_valid_nrb(run[i:i + 26])]
    return found


def format_nrb(nrb: str) -> str:
    """'82 1090 1014 7770 0000 0010 0001': how Polish banks print it."""
    return nrb[:2] + " " + " ".join(nrb[i:i + 4] for i in range(2, 26, 4))
