"""Reading a registry export (CSV or XLSX) into rows of text cells named by the import's columns.

Billing systems export CSV in UTF-8 (with or without BOM) or Windows-1250, `;` or `,` separated,
or XLSX. The file's kind is told by its content, not its name. XLSX is read by openpyxl in
read-only mode (streamed); a workbook with several sheets, formulas or merged cells is refused,
because what the office sees in it would not be what is imported."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

COLUMNS = (
    "customer_number", "name", "email", "phone", "street", "house_number", "postcode", "town",
    "billing_period_months", "point_code", "point_street", "point_house_number", "point_apartment",
    "point_postcode", "point_town", "meter_serial", "meter_kind", "meter_digits", "installed_on",
    "verification_due", "initial_reading",
)
REQUIRED = ("customer_number", "name", "street", "house_number", "postcode", "town", "point_code",
            "meter_serial", "installed_on", "verification_due")

# Polish headers as billing systems write them (compared without case, diacritics and punctuation)
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_number": ("nr klienta", "numer klienta", "nr odbiorcy", "numer odbiorcy", "kod odbiorcy"),
    "name": ("nazwa", "nazwa odbiorcy", "odbiorca", "imie i nazwisko", "nazwisko i imie", "nazwa klienta"),
    "email": ("e-mail", "adres e-mail", "mail"),
    "phone": ("telefon", "nr telefonu", "numer telefonu"),
    "street": ("ulica", "adres korespondencyjny ulica"),
    "house_number": ("nr domu", "numer domu", "nr budynku"),
    "postcode": ("kod pocztowy", "kod"),
    "town": ("miejscowosc", "miasto", "poczta"),
    "billing_period_months": ("okres rozliczeniowy", "okres rozliczeniowy mies", "okres rozliczenia"),
    "point_code": ("kod punktu", "nr punktu", "numer punktu", "punkt poboru", "nr punktu poboru", "kod ppw"),
    "point_street": ("ulica punktu", "ulica punktu poboru"),
    "point_house_number": ("nr domu punktu", "numer domu punktu"),
    "point_apartment": ("nr lokalu", "lokal", "nr mieszkania", "numer lokalu"),
    "point_postcode": ("kod pocztowy punktu",),
    "point_town": ("miejscowosc punktu",),
    "meter_serial": ("nr wodomierza", "numer wodomierza", "nr fabryczny wodomierza", "nr fabryczny"),
    "meter_kind": ("rodzaj wodomierza", "typ wodomierza", "rodzaj"),
    "meter_digits": ("liczba cyfr", "cyfry", "liczba cyfr liczydla"),
    "installed_on": ("data montazu", "data instalacji", "zamontowany"),
    "verification_due": ("legalizacja do", "data legalizacji", "waznosc legalizacji", "koniec legalizacji"),
    "initial_reading": ("stan poczatkowy", "odczyt poczatkowy", "stan przy montazu"),
}

MAX_BYTES = 150 * 1024 * 1024  # 300,000 customers' export is about 80 MB
_XLSX_MAGIC = b"PK\x03\x04"
# Polish letters of ISO-8859-2 read as Windows-1250: a file in neither encoding
_LATIN2_SIGNS = set("±¶¼¡¦¬")


class RegistryFileError(Exception):
    """The file as a whole cannot be read (encoding, not a table, too large, refused XLSX)."""


@dataclass(frozen=True, slots=True)
class CellError:
    line: int
    column: str
    reason: str


@dataclass
class Table:
    rows: list[tuple[int, dict[str, str]]]  # (line in the file, column -> cell text)
    columns: list[str]  # the import's columns the file has
    ignored: list[str] = field(default_factory=list)  # its headers the import does not know
    errors: list[CellError] = field(default_factory=list)
    kind: str = "csv"


def _key(header: str) -> str:
    text = unicodedata.normalize("NFKD", header.replace("ł", "l").replace("Ł", "L"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9@-]+", " ", text.replace("_", " ")).split())


_BY_KEY = {_key(c): c for c in COLUMNS} | {_key(a): c for c, aliases in ALIASES.items() for a in aliases}


def load_mapping(path: Path) -> dict[str, str]:
    """A mapping file: a JSON object {"the file's header": "import column"}."""
    try:
        mapping = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegistryFileError(f"mapping {path}: not a JSON object of header -> column ({exc})") from exc
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise RegistryFileError(f"mapping {path}: not a JSON object of header -> column")
    unknown = sorted(v for v in mapping.values() if v not in COLUMNS)
    if unknown:
        raise RegistryFileError(f"mapping {path}: unknown columns {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
    return mapping


def _columns(headers: list[str], mapping: dict[str, str]) -> tuple[list[str | None], list[str]]:
    """The import column of each header (None: ignored), and the ignored headers."""
    mapped = {_key(k): v for k, v in mapping.items()}
    names: list[str | None] = []
    seen: dict[str, str] = {}
    for header in headers:
        k = _key(header)
        name = mapped.get(k) or _BY_KEY.get(k)
        if name in seen:
            raise RegistryFileError(f"headers '{seen[name]}' and '{header}' are both the column {name}")
        if name:
            seen[name] = header
        names.append(name)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise RegistryFileError(
            f"missing required columns: {', '.join(missing)} (the header row has: {', '.join(h for h in headers if h)})")
    return names, [h for h, n in zip(headers, names, strict=True) if n is None and h.strip()]


def read_table(path: Path, mapping: dict[str, str] | None = None, max_bytes: int = MAX_BYTES) -> Table:
    size = path.stat().st_size
    if size > max_bytes:
        raise RegistryFileError(f"the file has {size / 2**20:.0f} MB, more than the {max_bytes / 2**20:.0f} MB allowed")
    with path.open("rb") as f:
        head = f.read(4)
    if head == _XLSX_MAGIC:
        return _read_xlsx(path, mapping or {})
    return _read_csv(path.read_bytes(), mapping or {})


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:65536]:
        raise RegistryFileError("not a text table (binary data or UTF-16): export CSV as UTF-8 or Windows-1250")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1250")
    except UnicodeDecodeError as exc:
        raise RegistryFileError(f"the file is neither UTF-8 nor Windows-1250 (byte {exc.start})") from exc
    if _LATIN2_SIGNS & set(text):
        raise RegistryFileError("the file looks like ISO-8859-2, not UTF-8 or Windows-1250: export it again")
    return text


def _read_csv(data: bytes, mapping: dict[str, str]) -> Table:
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    if delimiter not in first:
        raise RegistryFileError("not a table: the first line has no ';' or ',' separated columns")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[CellError] = []
    names: list[str | None] | None = None
    ignored: list[str] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if names is None:
                names, ignored = _columns([c.strip() for c in cells], mapping)
                continue
            if len(cells) != len(names):
                errors.append(CellError(line, "", f"{len(cells)} fields where the header has {len(names)}"))
                continue
            rows.append((line, {n: c.strip() for n, c in zip(names, cells, strict=True) if n}))
    except csv.Error as exc:
        raise RegistryFileError(f"not a readable CSV at line {reader.line_num}: {exc}") from exc
    if names is None:
        raise RegistryFileError("not a table: no header row")
    return Table(rows, [n for n in names if n], ignored, errors, "csv")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _has_merged_cells(path: Path) -> bool:
    """openpyxl's read-only sheets do not expose merged cells: look for them in the sheet's XML."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                tail = b""
                with z.open(name) as f:
                    while chunk := f.read(1 << 20):
                        if b"<mergeCell " in tail + chunk or b":mergeCell " in tail + chunk:
                            return True
                        tail = chunk[-32:]
    return False


def _read_xlsx(path: Path, mapping: dict[str, str]) -> Table:
    import openpyxl  # only when an XLSX comes

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # zipfile, XML and openpyxl's own errors: all mean "not a workbook"
        raise RegistryFileError(f"not a table: a ZIP file that is not an XLSX workbook ({exc})") from exc
    try:
        if len(book.sheetnames) != 1:
            raise RegistryFileError(
                f"the workbook has {len(book.sheetnames)} sheets ({', '.join(book.sheetnames)}): keep only the registry")
        if _has_merged_cells(path):
            raise RegistryFileError("the sheet has merged cells: unmerge them so that every row has all its cells")
        sheet = book[book.sheetnames[0]]
        names: list[str | None] | None = None
        ignored: list[str] = []
        rows: list[tuple[int, dict[str, str]]] = []
        errors: list[CellError] = []
        for line, cells in enumerate(_sheet_rows(sheet), start=1):
            values = [c.value for c in cells]
            if not any(v not in (None, "") for v in values):
                continue
            if names is None:
                names, ignored = _columns([_cell_text(v) for v in values], mapping)
                continue
            row: dict[str, str] = {}
            for name, cell in zip(names, cells, strict=False):
                if not name:
                    continue
                if cell.data_type == "f":
                    errors.append(CellError(line, name, f"a formula ({cell.value}): save the values, not formulas"))
                row[name] = _cell_text(cell.value)
            rows.append((line, row))
        if names is None:
            raise RegistryFileError("not a table: the sheet is empty")
        return Table(rows, [n for n in names if n], ignored, errors, "xlsx")
    finally:
        book.close()


def _sheet_rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    yield from sheet.iter_rows()
