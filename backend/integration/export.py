"""The readings export in three formats. CSV follows the residents' CSV (readings/api.py): `;`,
decimal comma, Polish local time, a BOM so that Excel reads the Polish letters."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import msgspec

from backend.core.clock import WARSAW

HEADERS = ("numer_klienta", "kod_punktu", "punkt_poboru", "numer_licznika", "wskazanie_m3", "wskazanie_litry",
           "data_odczytu", "data_otrzymania", "zrodlo", "status", "weryfikacja", "flagi", "id_odczytu", "link_do_zdjecia")


def _local(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(WARSAW).strftime("%Y-%m-%d %H:%M:%S")


def _cells(r: dict[str, Any]) -> list[Any]:
    return [r["customer_number"], r["point_code"] or "", r["service_point_id"], r["meter_serial"], r["value_m3"],
            r["value_litres"],
            _local(r["captured_at"]), _local(r["received_at"]), r["source"], r["status"], r["verification"],
            ",".join(r["flags"]), r["reading_id"], r.get("photo_url") or ""]


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADERS)
    for r in rows:
        cells = _cells(r)
        cells[4] = f"{r['value_litres'] / 1000:.3f}".replace(".", ",")
        writer.writerow(cells)
    return ("\ufeff" + buffer.getvalue()).encode()


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("odczyty")
    sheet.append(HEADERS)
    for r in rows:
        cells = _cells(r)
        # real dates and numbers, so that the office can sort and sum; Excel has no time zones
        cells[6] = datetime.fromisoformat(r["captured_at"]).astimezone(WARSAW).replace(tzinfo=None)
        cells[7] = datetime.fromisoformat(r["received_at"]).astimezone(WARSAW).replace(tzinfo=None)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_json(rows: list[dict[str, Any]]) -> bytes:
    return msgspec.json.encode({"readings": rows})


def render(rows: list[dict[str, Any]], fmt: str) -> bytes:
    return {"csv": to_csv, "xlsx": to_xlsx, "json": to_json}[fmt](rows)
