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

# a meter taken off its point (exchange, removal; issue 13.4): optional, most rows leave them out
REMOVAL_COLUMNS = ("removed_on", "final_reading")
COLUMNS = (
    "customer_number", "name", "email", "phone", "street", "house_number", "postcode", "town",
    "billing_period_months", "point_code", "point_street", "point_house_number", "point_apartment",
    "point_postcode", "point_town", "meter_serial", "meter_kind", "meter_digits", "installed_on",
    "verification_due", "initial_reading", *REMOVAL_COLUMNS,
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
    # a meter taken off the point (exchange, removal): the day and the register's value then
    "removed_on": ("data demontazu", "data zdjecia", "zdemontowany", "data wymiany"),
    "final_reading": ("odczyt koncowy", "stan koncowy", "stan przy demontazu"),
}

MAX_BYTES = 150 * 1024 * 1024  # 300,000 customers' export is about 80 MB
_XLSX_MAGIC = b"PK\x03\x04"
# Polish letters of ISO-8859-2 read as Windows-1250: a file in neither encoding
_LATIN2_SIGNS = set("±¶¼¡¦¬")


# Every reason the import gives, in English (the command line) and Polish (the office's screen, the
# error CSV): a code and its values, so each language words it whole.
MESSAGES: dict[str, tuple[str, str]] = {
    # the file as a whole
    "mapping_invalid": ("mapping {path}: not a JSON object of header -> column{detail}",
                        "mapowanie {path}: to nie jest obiekt JSON nagłówek -> kolumna{detail}"),
    "mapping_unknown": ("mapping {path}: unknown columns {unknown} (known: {known})",
                        "mapowanie {path}: nieznane kolumny {unknown} (znane: {known})"),
    "header_twice": ("headers '{first}' and '{second}' are both the column {column}",
                     "nagłówki „{first}” i „{second}” oznaczają tę samą kolumnę {column}"),
    "columns_missing": ("missing required columns: {missing} (the header row has: {headers})",
                        "brak wymaganych kolumn: {missing} (wiersz nagłówka ma: {headers})"),
    "file_too_large": ("the file has {size} MB, more than the {limit} MB allowed",
                       "plik ma {size} MB, a dozwolone jest najwyżej {limit} MB"),
    "not_text": ("not a text table (binary data or UTF-16): export CSV as UTF-8 or Windows-1250",
                 "to nie jest tabela tekstowa (dane binarne lub UTF-16): wyeksportuj CSV w UTF-8 lub Windows-1250"),
    "encoding": ("the file is neither UTF-8 nor Windows-1250 (byte {byte})",
                 "plik nie jest zapisany ani w UTF-8, ani w Windows-1250 (bajt {byte}): wyeksportuj go ponownie"),
    "iso_8859_2": ("the file looks like ISO-8859-2, not UTF-8 or Windows-1250: export it again",
                   "plik wygląda na zapisany w ISO-8859-2, nie w UTF-8 ani Windows-1250: wyeksportuj go ponownie"),
    "no_columns": ("not a table: the first line has no ';' or ',' separated columns",
                   "to nie jest tabela: pierwszy wiersz nie ma kolumn rozdzielonych znakiem „;” ani „,”"),
    "csv_unreadable": ("not a readable CSV at line {line}: {detail}",
                       "nieczytelny plik CSV w wierszu {line}: {detail}"),
    "no_header": ("not a table: no header row", "to nie jest tabela: brak wiersza nagłówka"),
    "not_xlsx": ("not a table: a ZIP file that is not an XLSX workbook ({detail})",
                 "to nie jest tabela: plik ZIP, który nie jest skoroszytem XLSX ({detail})"),
    "sheets": ("the workbook has {count} sheets ({names}): keep only the registry",
               "skoroszyt ma {count} arkusze ({names}): zostaw tylko arkusz z kartoteką"),
    "merged_cells": ("the sheet has merged cells: unmerge them so that every row has all its cells",
                     "arkusz ma scalone komórki: rozdziel je, aby każdy wiersz miał wszystkie komórki"),
    "sheet_empty": ("not a table: the sheet is empty", "to nie jest tabela: arkusz jest pusty"),
    "upload_missing": ("the uploaded file is no longer stored (removed after {days} days or lost): upload it again",
                       "przesłany plik nie jest już przechowywany (usunięty po {days} dniach lub utracony): prześlij go "
                       "ponownie"),
    "apply_failed": ("writing the registry failed: nothing was changed; try again or tell the administrator",
                     "zapis kartoteki nie powiódł się: nic nie zmieniono; spróbuj ponownie lub powiadom administratora"),
    # one row or cell
    "field_count": ("{found} fields where the header has {expected}",
                    "{found} pól, a nagłówek ma {expected}"),
    "formula": ("a formula ({formula}): save the values, not formulas",
                "formuła ({formula}): zapisz wartości, nie formuły"),
    "required": ("required, empty", "pole wymagane jest puste"),
    "too_long": ("longer than {length} characters", "dłuższe niż {length} znaków"),
    "point_address_partial": ("required when another point address column is given",
                              "wymagane, gdy podano inną kolumnę adresu punktu"),
    "postcode": ("'{value}' is not a postcode NN-NNN", "„{value}” nie jest kodem pocztowym NN-NNN"),
    "email": ("'{value}' is not an e-mail address", "„{value}” nie jest adresem e-mail"),
    "date": ("'{value}' is not a date YYYY-MM-DD or DD.MM.YYYY",
             "„{value}” nie jest datą RRRR-MM-DD ani DD.MM.RRRR"),
    "number": ("'{value}' is not a number of m³ such as 123,456",
               "„{value}” nie jest liczbą m³, np. 123,456"),
    "decimals": ("'{value}' has more than three decimals (litres)",
                 "„{value}” ma więcej niż trzy miejsca po przecinku (litry)"),
    "billing_period": ("'{value}' is not a billing period of 1, 2 or 3 months",
                       "„{value}” nie jest okresem rozliczeniowym 1, 2 ani 3 miesiące"),
    "digits": ("'{value}' is not a number of digits from 3 to 9", "„{value}” nie jest liczbą cyfr od 3 do 9"),
    "kind": ("'{value}' is not main or sub", "„{value}” nie jest rodzajem main (główny) ani sub (podlicznik)"),
    "reading_digits": ("{value} m³ does not fit a register of {digits} digits",
                       "{value} m³ nie mieści się na liczydle o {digits} cyfrach"),
    "reading_too_big": ("{value} m³ is more than e-BOK stores (2,147,483 m³)",
                        "{value} m³ to więcej, niż e-BOK przechowuje (2 147 483 m³)"),
    "final_without_removal": ("a final reading needs the day the meter was removed (removed_on)",
                              "odczyt końcowy wymaga daty demontażu (removed_on)"),
    "removed_before_installed": ("removed on {removed}, before it was installed ({installed})",
                                 "data demontażu {removed} jest wcześniejsza niż data montażu {installed}"),
    "date_future": ("'{value}' is in the future (today is {today})", "„{value}” to data w przyszłości (dziś jest {today})"),
    "final_below_initial": ("the final reading {value} m³ is lower than the initial reading {initial} m³",
                            "odczyt końcowy {value} m³ jest niższy niż stan początkowy {initial} m³"),
    "final_below_last": ("the final reading {value} m³ is lower than the meter's last reading in e-BOK, {last} m³ on "
                         "{day}", "odczyt końcowy {value} m³ jest niższy niż ostatni odczyt wodomierza w e-BOK: "
                         "{last} m³ z {day}"),
    "removed_before_reading": ("removed on {removed}, but e-BOK has a reading of this meter from {day}",
                               "data demontażu {removed} jest wcześniejsza niż odczyt tego wodomierza w e-BOK z {day}"),
    "meter_twice": ("meter serial {serial} is also on line {first}: one row per meter",
                    "wodomierz {serial} jest też w wierszu {first}: jeden wiersz na wodomierz"),
    "disagrees": ("{label} {key} has {field} '{first}' on line {first_line} and '{value}' here",
                  "{label_pl} {key} ma {field} „{first}” w wierszu {first_line}, a tutaj „{value}”"),
    # rows sent as JSON to the integration API (customers.services.rows_table)
    "column_unknown": ("'{column}' is not a column of the registry import",
                       "„{column}” nie jest kolumną importu kartoteki"),
    "cell_type": ("a cell is text, a number or null", "komórka to tekst, liczba albo null"),
    "control_characters": ("control characters (a line break, a tab) in a cell",
                           "znaki sterujące (koniec wiersza, tabulator) w komórce"),
    "meter_elsewhere": ("meter serial {serial} is on point {point} of customer {owner}, not of {customer}",
                        "wodomierz {serial} jest na punkcie {point} klienta {owner}, nie klienta {customer}"),
}


def message(code: str, params: dict[str, Any], lang: str = "en") -> str:
    en, pl = MESSAGES[code]
    return (en if lang == "en" else pl).format(**params)  # no uk wording yet: Polish, the office's language


class RegistryFileError(Exception):
    """The file as a whole cannot be read (encoding, not a table, too large, refused XLSX)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(message(code, params))
        self.code = code
        self.params = params

    def text(self, lang: str = "en") -> str:
        return message(self.code, self.params, lang)


class BadValue(ValueError):
    """A cell's value the import cannot take, with the reason's code."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(message(code, params))
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class CellError:
    line: int
    column: str
    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def reason(self) -> str:
        return message(self.code, dict(self.params))

    def text(self, lang: str = "en") -> str:
        return message(self.code, dict(self.params), lang)


def cell_error(line: int, column: str, code: str, **params: Any) -> CellError:
    return CellError(line, column, code, tuple(params.items()))


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
        raise RegistryFileError("mapping_invalid", path=path, detail=f" ({exc})") from exc
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise RegistryFileError("mapping_invalid", path=path, detail="")
    unknown = sorted(v for v in mapping.values() if v not in COLUMNS)
    if unknown:
        raise RegistryFileError("mapping_unknown", path=path, unknown=", ".join(unknown), known=", ".join(COLUMNS))
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
            raise RegistryFileError("header_twice", first=seen[name], second=header, column=name)
        if name:
            seen[name] = header
        names.append(name)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise RegistryFileError("columns_missing", missing=", ".join(missing),
                                headers=", ".join(h for h in headers if h))
    return names, [h for h, n in zip(headers, names, strict=True) if n is None and h.strip()]


def read_table(path: Path, mapping: dict[str, str] | None = None, max_bytes: int = MAX_BYTES) -> Table:
    size = path.stat().st_size
    if size > max_bytes:
        raise RegistryFileError("file_too_large", size=f"{size / 2**20:.0f}", limit=f"{max_bytes / 2**20:.0f}")
    with path.open("rb") as f:
        head = f.read(4)
    if head == _XLSX_MAGIC:
        return _read_xlsx(path, mapping or {})
    return _read_csv(path.read_bytes(), mapping or {})


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:65536]:
        raise RegistryFileError("not_text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1250")
    except UnicodeDecodeError as exc:
        raise RegistryFileError("encoding", byte=exc.start) from exc
    if _LATIN2_SIGNS & set(text):
        raise RegistryFileError("iso_8859_2")
    return text


def _read_csv(data: bytes, mapping: dict[str, str]) -> Table:
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    if delimiter not in first:
        raise RegistryFileError("no_columns")
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
                errors.append(cell_error(line, "", "field_count", found=len(cells), expected=len(names)))
                continue
            rows.append((line, {n: c.strip() for n, c in zip(names, cells, strict=True) if n}))
    except csv.Error as exc:
        raise RegistryFileError("csv_unreadable", line=reader.line_num, detail=str(exc)) from exc
    if names is None:
        raise RegistryFileError("no_header")
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
        raise RegistryFileError("not_xlsx", detail=str(exc)) from exc
    try:
        if len(book.sheetnames) != 1:
            raise RegistryFileError("sheets", count=len(book.sheetnames), names=", ".join(book.sheetnames))
        if _has_merged_cells(path):
            raise RegistryFileError("merged_cells")
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
                    errors.append(cell_error(line, name, "formula", formula=cell.value))
                row[name] = _cell_text(cell.value)
            rows.append((line, row))
        if names is None:
            raise RegistryFileError("sheet_empty")
        return Table(rows, [n for n in names if n], ignored, errors, "xlsx")
    finally:
        book.close()


def _sheet_rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    yield from sheet.iter_rows()
