"""The transfer QR code of the Polish banks' recommendation (ZBP): banking apps read it and fill
in the transfer. Payload: NIP|PL|account|amount in grosze (6 digits)|name|title|||."""

from __future__ import annotations

import io
import re

NAME_MAX, TITLE_MAX = 20, 32
MAX_GROSZE = 999_999  # six digits: larger amounts cannot be carried, the app shows the data only


def _clean(text: str, limit: int) -> str:
    return re.sub(r"[|\r\n]", " ", text).strip()[:limit].strip()


def zbp_payload(nip: str, nrb: str, amount_grosze: int, name: str, title: str) -> str:
    if not 0 <= amount_grosze <= MAX_GROSZE:
        raise ValueError("amount does not fit the six digits of the ZBP code")
    nip_digits = re.sub(r"\D", "", nip)
    account = re.sub(r"\D", "", nrb)
    if len(account) != 26:
        raise ValueError("account must be a 26-digit NRB")
    return "|".join([nip_digits, "PL", account, f"{amount_grosze:06d}", _clean(name, NAME_MAX),
                     _clean(title, TITLE_MAX), "", "", ""])


def svg(payload: str) -> bytes:
    buf = io.BytesIO()
    # error level L as the recommendation says; the code carries its own title for screen readers
    import segno  # imported when the first code is drawn

    segno.make(payload, error="l", micro=False).save(buf, kind="svg", scale=4, border=4, xmldecl=False,
                                                    title="Kod QR przelewu", svgclass=None, lineclass=None)
    return buf.getvalue()


def png(payload: str, scale: int = 6) -> bytes:
    buf = io.BytesIO()
    import segno

    segno.make(payload, error="l", micro=False).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()
