"""The registry import (issue 13): files read as billing systems export them, every row checked
first, a plan against the database, bulk writes; bad input changes nothing; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from backend.customers import registry
from backend.customers.registry_file import COLUMNS, REMOVAL_COLUMNS, RegistryFileError, read_table
from backend.customers.tables import Customer, Meter, ServicePoint
from backend.readings.services import registry_readings
from backend.readings.tables import Reading
from tests.support import database_url_for, log_in, make_customer, make_user

TODAY = date(2026, 12, 1)
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "registry-example.csv"
HEADER = ";".join(c for c in COLUMNS if c not in REMOVAL_COLUMNS)  # the optional ones: their own tests
ROWS = [
    # customer with a main and a garden meter on one point (its address is the correspondence one)
    '200001;"Kowalski; Jan";jan@example.com;600100200;ul. Lipowa;12;19-400;Olecko;2;P-0001;;;;;;WX1001;main;5;'
    '2024-03-01;2029-03-01;123,456',
    '200001;"Kowalski; Jan";jan@example.com;600100200;ul. Lipowa;12;19-400;Olecko;2;P-0001;;;;;;WX1002;sub;5;'
    '01.03.2024;01.03.2029;0,5',
    "200002;Żaneta Ślęzak;;;ul. Długa;3;19-400;Olecko;1;P-0002;ul. Polna;7;2;19-400;Olecko;WX1003;main;6;"
    "2023-05-10;2028-05-10;1 234,5",
]


def csv_text(rows: list[str] = ROWS, header: str = HEADER, sep: str = ";") -> str:
    lines = [header, *rows]
    if sep != ";":
        lines = [line.replace('"Kowalski; Jan"', '"Kowalski, Jan"').replace("123,456", '"123,456"')
                 .replace("0,5", '"0,5"').replace("1 234,5", '"1 234,5"').replace(";", sep) for line in lines]
    return "\r\n".join(lines) + "\r\n"


def write(tmp_path: Path, content: bytes | str, name: str = "registry.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


async def run(path: Path, full: bool = False, apply: bool = True, mapping: dict | None = None) -> registry.Plan:
    records = registry.validate(read_table(path, mapping))
    return await registry.run(records, full, TODAY, write=apply, readings=registry_readings)


def reasons(plan: registry.Plan) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.reason) for e in plan.errors]


async def counts() -> tuple[int, int, int]:
    return await Customer.count(), await ServicePoint.count(), await Meter.count()


async def test_utf8_bom_semicolons_quoted_fields_and_decimal_commas(client, tmp_path):
    plan = await run(write(tmp_path, "\ufeff" + csv_text()))
    assert not plan.errors
    assert (sorted(plan.add["customer"]), sorted(plan.add["point"])) == (["200001", "200002"], ["P-0001", "P-0002"])
    assert await counts() == (2, 2, 3)
    jan = await Customer.select().where(Customer.number == "200001").first()
    assert (jan["name"], jan["billing_period_months"]) == ("Kowalski; Jan", 2)
    point = await ServicePoint.select().where(ServicePoint.code == "P-0001").first()
    assert (point["street"], point["house_number"], point["town"]) == ("ul. Lipowa", "12", "Olecko")  # defaulted
    meters = {m["serial"]: m for m in await Meter.select()}
    assert meters["WX1001"]["initial_litres"] == 123456 and meters["WX1002"]["initial_litres"] == 500
    assert meters["WX1002"]["kind"] == "sub" and meters["WX1002"]["installed_on"] == date(2024, 3, 1)
    assert meters["WX1003"]["initial_litres"] == 1234500 and meters["WX1003"]["digits"] == 6


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])
async def test_commas_and_windows_1250_with_polish_letters(client, tmp_path, encoding):
    plan = await run(write(tmp_path, csv_text(sep=",").encode(encoding)))
    assert not plan.errors, reasons(plan)
    zaneta = await Customer.select().where(Customer.number == "200002").first()
    assert (zaneta["name"], zaneta["street"]) == ("Żaneta Ślęzak", "ul. Długa")
    assert (await Customer.select().where(Customer.number == "200001").first())["name"] == "Kowalski, Jan"
    assert {m["serial"]: m["initial_litres"] for m in await Meter.select()} == {
        "WX1001": 123456, "WX1002": 500, "WX1003": 1234500}


async def test_polish_headers_and_a_mapping(client, tmp_path):
    polish = ("Nr klienta;Nazwa;E-mail;Telefon;Ulica;Nr domu;Kod pocztowy;Miejscowość;Okres rozliczeniowy;Kod punktu;"
              "Ulica punktu;Nr domu punktu;Nr lokalu;Kod pocztowy punktu;Miejscowość punktu;Nr wodomierza;"
              "Rodzaj wodomierza;Liczba cyfr;Data montażu;Legalizacja do;Stan początkowy")
    plan = await run(write(tmp_path, csv_text(header=polish)))
    assert not plan.errors and await counts() == (2, 2, 3)
    other = HEADER.replace("customer_number", "Numer PPE-K").replace("meter_serial", "Seria licznika")
    mapping = {"Numer PPE-K": "customer_number", "Seria licznika": "meter_serial"}
    assert (await run(write(tmp_path, csv_text(header=other), "other.csv"), mapping=mapping)).empty
    with pytest.raises(RegistryFileError, match="missing required columns: customer_number, meter_serial"):
        read_table(write(tmp_path, csv_text(header=other), "other.csv"))


def xlsx(tmp_path: Path, rows: list[list], name: str = "registry.xlsx", extra=None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    if extra:
        extra(book, sheet)
    path = tmp_path / name
    book.save(path)
    return path


XLSX_ROW = [200003, "Anna Nowak", "anna@example.com", "", "ul. Słoneczna", "5", "19-400", "Olecko", 3, "P-0003",
            None, None, None, None, None, "WX2001", "main", 5, date(2022, 1, 15), "15.01.2027", 12.5]


async def test_xlsx_with_dates_and_numbers_as_cells(client, tmp_path):
    plan = await run(xlsx(tmp_path, [XLSX_ROW]))
    assert not plan.errors, reasons(plan)
    meter = await Meter.select().where(Meter.serial == "WX2001").first()
    assert (meter["installed_on"], meter["verification_due"], meter["initial_litres"]) == (
        date(2022, 1, 15), date(2027, 1, 15), 12500)
    assert (await Customer.select().where(Customer.number == "200003").first())["billing_period_months"] == 3


async def test_xlsx_with_several_sheets_formulas_or_merged_cells_is_refused(client, tmp_path):
    several = xlsx(tmp_path, [XLSX_ROW], "several.xlsx", lambda book, sheet: book.create_sheet("Notatki"))
    with pytest.raises(RegistryFileError, match="2 sheets"):
        read_table(several)
    merged = xlsx(tmp_path, [XLSX_ROW, XLSX_ROW], "merged.xlsx", lambda book, sheet: sheet.merge_cells("A2:A3"))
    with pytest.raises(RegistryFileError, match="merged cells"):
        read_table(merged)
    formula = xlsx(tmp_path, [[*XLSX_ROW[:20], "=1+2"]], "formula.xlsx")
    plan = await run(formula)
    assert reasons(plan) == [(2, "initial_reading", "a formula (=1+2): save the values, not formulas")]
    assert await counts() == (0, 0, 0)


async def test_the_same_file_again_changes_nothing(client, tmp_path):
    path = write(tmp_path, csv_text())
    await run(path)
    before = await Customer.select().order_by(Customer.number)
    again = await run(path)
    assert again.empty and not again.errors
    assert await Customer.select().order_by(Customer.number) == before and await counts() == (2, 2, 3)


async def test_changes_name_their_fields_and_an_empty_email_keeps_e_boks(client, tmp_path):
    await run(write(tmp_path, csv_text()))
    changed = [ROWS[0].replace("600100200", "600999999").replace("jan@example.com", ""),
               ROWS[1].replace("600100200", "600999999").replace("jan@example.com", ""),
               ROWS[2].replace(";6;2023-05-10", ";7;2023-05-10").replace("ul. Polna;7", "ul. Polna;9")]
    plan = await run(write(tmp_path, csv_text(changed), "changed.csv"))
    assert {(c.kind, c.key): c.fields for part in plan.change.values() for c in part} == {
        ("customer", "200001"): {"phone": ("600100200", "600999999")},
        ("point", "P-0002"): {"house_number": ("7", "9")},
        ("meter", "WX1003"): {"digits": (6, 7)},
    }
    jan = await Customer.select().where(Customer.number == "200001").first()
    assert (jan["phone"], jan["email"]) == ("600999999", "jan@example.com")
    assert (await Meter.select().where(Meter.serial == "WX1003").first())["digits"] == 7


async def test_full_ends_what_is_missing_and_keeps_residents_readings_and_account(client, settings, tmp_path):
    await run(write(tmp_path, csv_text()))
    jan = await Customer.select().where(Customer.number == "200001").first()
    garden = await Meter.select().where(Meter.serial == "WX1002").first()
    await make_user(settings, "jan@example.com", customer_id=str(jan["id"]))
    await log_in(client, "jan@example.com")
    r = await client.post("/api/readings", data={"meter_id": str(garden["id"]), "value": "1,5",
                                                 "captured_at": datetime.now(UTC).isoformat(), "comment": ""},
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    readings = await Reading.select().order_by(Reading.id)

    without_garden_and_zaneta = [ROWS[0]]
    partial = await run(write(tmp_path, csv_text(without_garden_and_zaneta), "partial.csv"))
    assert partial.empty  # without --full a missing row is no change
    plan = await run(write(tmp_path, csv_text(without_garden_and_zaneta), "partial.csv"), full=True)
    assert (plan.end["customer"], plan.end["point"], sorted(plan.end["meter"])) == (
        ["200002"], ["P-0002"], ["WX1002", "WX1003"])
    assert await counts() == (2, 2, 3)  # nothing deleted
    garden = await Meter.select().where(Meter.serial == "WX1002").first()
    assert (garden["removed_on"], garden["active"]) == (TODAY, False)
    zaneta = await Customer.select().where(Customer.number == "200002").first()
    assert zaneta["ended_on"] == TODAY
    assert await Reading.select().order_by(Reading.id) == readings
    assert (await client.get("/api/me")).status_code == 200  # the resident's account and session stand
    # the whole file again: ended entries open again
    back = await run(write(tmp_path, csv_text()), full=True)
    assert {c.key for part in back.change.values() for c in part} == {"200002", "P-0002", "WX1002", "WX1003"}
    assert (await Meter.select().where(Meter.serial == "WX1002").first())["active"] is True


BAD = [
    (ROWS[0].replace("19-400", "19400", 1), (2, "postcode", "'19400' is not a postcode NN-NNN")),
    (ROWS[0].replace("2024-03-01", "2024-02-30"), (2, "installed_on", "'2024-02-30' is not a date YYYY-MM-DD or "
                                                                      "DD.MM.YYYY")),
    (ROWS[0].replace(";5;2024", ";3;2024").replace("123,456", "1234,5"),
     (2, "initial_reading", "1234,5 m³ does not fit a register of 3 digits")),
    (ROWS[0].replace(";5;2024", ";8;2024").replace("123,456", "3000000"),
     (2, "initial_reading", "3000000 m³ is more than e-BOK stores (2,147,483 m³)")),
    (ROWS[0].replace(";2;P-0001", ";4;P-0001"), (2, "billing_period_months", "'4' is not a billing period of 1, 2 or "
                                                                            "3 months")),
    (ROWS[0].replace(";main;", ";hot;"), (2, "meter_kind", "'hot' is not main or sub")),
    (ROWS[0].replace("WX1001", ""), (2, "meter_serial", "required, empty")),
    (ROWS[0].replace("123,456", "12,3456"), (2, "initial_reading", "'12,3456' has more than three decimals (litres)")),
]


@pytest.mark.parametrize(("row", "error"), BAD)
async def test_a_bad_cell_is_named_with_its_line_and_column_and_nothing_is_imported(client, tmp_path, row, error):
    plan = await run(write(tmp_path, csv_text([row, *ROWS[1:]])))
    assert reasons(plan) == [error]
    assert plan.empty and await counts() == (0, 0, 0)


async def test_duplicate_keys_inside_the_file(client, tmp_path):
    rows = [ROWS[0], ROWS[1].replace("WX1002", "WX1001"), ROWS[2].replace("200002;Żaneta", "200001;Żaneta")]
    plan = await run(write(tmp_path, csv_text(rows)))
    assert (3, "meter_serial", "meter serial WX1001 is also on line 2: one row per meter") in reasons(plan)
    assert (4, "name", "customer 200001 has name 'Kowalski; Jan' on line 2 and 'Żaneta Ślęzak' here") in reasons(plan)
    other_owner = [ROWS[0], ROWS[2].replace("P-0002", "P-0001")]
    plan = await run(write(tmp_path, csv_text(other_owner), "owner.csv"))
    assert (3, "customer_number", "point P-0001 has customer '200001' on line 2 and '200002' here") in reasons(plan)
    assert await counts() == (0, 0, 0)


async def test_a_serial_on_another_customers_point(client, tmp_path):
    other = await make_customer(number="300001")
    serial = (await Meter.select().where(Meter.id == other["meter_id"]).first())["serial"]
    plan = await run(write(tmp_path, csv_text([ROWS[0].replace("WX1001", serial)])))
    assert reasons(plan) == [(2, "meter_serial", f"meter serial {serial} is on point (no code) of customer 300001, "
                                                 "not of 200001")]
    assert await counts() == (1, 1, 1)


async def test_an_existing_point_without_code_is_adopted_by_its_meter(client, tmp_path):
    made = await make_customer(number="200001")
    serial = (await Meter.select().where(Meter.id == made["meter_id"]).first())["serial"]
    plan = await run(write(tmp_path, csv_text([ROWS[0].replace("WX1001", serial)])))
    assert not plan.errors and plan.add["point"] == [] and plan.add["meter"] == []
    point = await ServicePoint.select().where(ServicePoint.id == made["service_point_id"]).first()
    assert point["code"] == "P-0001" and await counts() == (1, 1, 1)


@pytest.mark.parametrize(("content", "message"), [
    ("Zażółć gęślą jaźń".encode("iso-8859-2") + b";x\n", "looks like ISO-8859-2"),
    ("a;b\n".encode("utf-16"), "binary data or UTF-16"),
    (b"%PDF-1.7\n\x00\x01\x02 binary", "binary data or UTF-16"),
    (b"just some words\nand more words\n", "no ';' or ','"),
    (b"PK\x03\x04 not really a zip", "not an XLSX workbook"),
    (";".join(c for c in COLUMNS if c not in ("postcode", "installed_on")).encode(), "missing required columns: "
                                                                                    "postcode, installed_on"),
])
async def test_a_file_that_cannot_be_read_is_refused_whole(client, tmp_path, content, message):
    with pytest.raises(RegistryFileError, match=message):
        read_table(write(tmp_path, content))


def test_a_file_over_the_limit_is_refused_unread(tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: 200 MB without writing them
    with pytest.raises(RegistryFileError, match="200 MB, more than the 150 MB allowed"):
        read_table(big)


def test_a_row_with_a_wrong_number_of_fields(tmp_path):
    table = read_table(write(tmp_path, csv_text([ROWS[0] + ";extra"])))
    assert [(e.line, e.reason) for e in table.errors] == [(2, "22 fields where the header has 21")]


# --- the command line, as a process of its own on a database of its own ---------------------


def ebok(*args: str, db: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db}
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_cli_dry_run_apply_reimport_errors_and_full(tmp_path):
    db = database_url_for("registry_cli")
    path = write(tmp_path, csv_text())
    dry = ebok("import", "registry", str(path), "--dry-run", db=db)
    assert dry.returncode == 0, dry.stderr
    assert "Customers: 2 to add, 0 to change" in dry.stdout and "Dry run: nothing was changed." in dry.stdout
    done = ebok("import", "registry", str(path), db=db)
    assert done.returncode == 0, done.stderr
    assert "Imported: 7 added, 0 changed, 0 ended." in done.stdout
    again = ebok("import", "registry", str(path), db=db)
    assert "Nothing changed" in again.stdout and again.returncode == 0
    # an exchange with the final reading (issue 13.4): the plan says it, a bad final reading is on its line
    new = ROWS[0].replace("WX1001", "WX1009").replace("2024-03-01;2029-03-01;123,456", "2026-11-20;2032-11-20;0")
    swap = write(tmp_path, csv_text(removal_rows("20.11.2026", "130,5") + [f"{new};;"], header=FULL_HEADER), "swap.csv")
    planned = ebok("import", "registry", str(swap), "--dry-run", db=db)
    assert planned.returncode == 0, planned.stderr
    assert "  meter WX1001 ends on 2026-11-20 with final reading 130,500 m³ (replaced by WX1009)" in planned.stdout
    low = write(tmp_path, csv_text(removal_rows("20.11.2026", "99,5"), header=FULL_HEADER), "low.csv")
    refused = ebok("import", "registry", str(low), db=db)
    assert refused.returncode == 1
    assert ("line 2, column final_reading: the final reading 99,5 m³ is lower than the initial reading 123,456 m³"
            in refused.stdout)
    bad = write(tmp_path, csv_text([ROWS[0].replace("19-400", "19400", 1), ROWS[2].replace("2023-05-10", "10/05/2023")]),
                "bad.csv")
    failed = ebok("import", "registry", str(bad), "--full", db=db)
    assert failed.returncode == 1
    assert "line 2, column postcode: '19400' is not a postcode NN-NNN" in failed.stdout
    assert "line 3, column installed_on: '10/05/2023' is not a date" in failed.stdout
    assert "2 errors: nothing was imported." in failed.stderr
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Klient": "customer_number"}))
    renamed = write(tmp_path, csv_text([ROWS[0]], header=HEADER.replace("customer_number", "Klient")), "renamed.csv")
    full = ebok("import", "registry", str(renamed), "--full", "--mapping", str(mapping), db=db)
    assert full.returncode == 0, full.stderr
    assert "  end customer 200002" in full.stdout and "  end meter WX1002" in full.stdout
    assert "Imported: 0 added, 0 changed, 4 ended." in full.stdout
    unreadable = ebok("import", "registry", str(write(tmp_path, b"\x00\x01", "x.csv")), db=db)
    assert unreadable.returncode == 1 and "binary data" in unreadable.stderr


async def test_the_example_file_in_docs_imports(client):
    plan = await run(EXAMPLE)
    assert not plan.errors, reasons(plan)
    assert await counts() == (3, 3, 5)
    # WX0999 was exchanged for WX1004 before this first file: in e-BOK removed, with its final reading
    old = await Meter.select().where(Meter.serial == "WX0999").first()
    assert (old["removed_on"], old["active"]) == (date(2025, 1, 15), False)
    [final] = await Reading.select().where(Reading.meter == old["id"])
    assert (final["value_litres"], final["source"], final["status"]) == (812_345, "import", "accepted")


# the removal columns (issue 13.4) after the others; ROWS[0] is WX1001, installed 2024-03-01 at 123,456 m³
FULL_HEADER = ";".join(COLUMNS)


def removal_rows(removed: str = "", final: str = "", first: str = ROWS[0]) -> list[str]:
    return [f"{first};{removed};{final}", *(f"{r};;" for r in ROWS[1:])]


@pytest.mark.parametrize(("removed", "final", "error"), [
    ("2024-02-30", "", ("removed_on", "'2024-02-30' is not a date YYYY-MM-DD or DD.MM.YYYY")),
    ("01.02.2024", "", ("removed_on", "removed on 01.02.2024, before it was installed (2024-03-01)")),
    ("2099-01-01", "", ("removed_on", "'2099-01-01' is in the future (today is {today})")),
    ("", "130,000", ("final_reading", "a final reading needs the day the meter was removed (removed_on)")),
    ("2025-01-01", "100000", ("final_reading", "100000 m³ does not fit a register of 5 digits")),
    ("2025-01-01", "100,000", ("final_reading", "the final reading 100,000 m³ is lower than the initial reading "
                                                "123,456 m³")),
    ("2025-01-01", "130,0001", ("final_reading", "'130,0001' has more than three decimals (litres)")),
    ("2025-01-01", "sto", ("final_reading", "'sto' is not a number of m³ such as 123,456")),
])
async def test_a_removal_is_checked_with_its_line_column_and_reason(client, tmp_path, removed, final, error):
    from backend.core.clock import today_in_warsaw

    plan = await run(write(tmp_path, csv_text(removal_rows(removed, final), header=FULL_HEADER)))
    column, reason = error
    assert reasons(plan) == [(2, column, reason.format(today=today_in_warsaw().isoformat()))]
    assert plan.empty and await counts() == (0, 0, 0) and await Reading.count() == 0
    [e] = plan.errors
    assert e.text("pl") != e.text("en")  # the office's screen words it in Polish


async def test_a_final_reading_below_the_last_one_or_a_removal_before_it_is_refused(client, tmp_path):
    assert not (await run(write(tmp_path, csv_text()))).errors
    meter = await Meter.select().where(Meter.serial == "WX1001").first()
    await Reading.insert(Reading(meter=meter["id"], value_litres=140_000, captured_at=datetime(2026, 11, 5, 9,
                                                                                                 tzinfo=UTC)))
    plan = await run(write(tmp_path, csv_text(removal_rows("2026-11-20", "139,999"), header=FULL_HEADER), "low.csv"))
    assert reasons(plan) == [(2, "final_reading", "the final reading 139,999 m³ is lower than the meter's last "
                                                  "reading in e-BOK, 140,000 m³ on 2026-11-05")]
    assert plan.errors[0].text("pl") == ("odczyt końcowy 139,999 m³ jest niższy niż ostatni odczyt wodomierza w "
                                         "e-BOK: 140,000 m³ z 2026-11-05")
    plan = await run(write(tmp_path, csv_text(removal_rows("2026-11-04", "140,000"), header=FULL_HEADER), "day.csv"))
    assert reasons(plan) == [(2, "removed_on", "removed on 2026-11-04, but e-BOK has a reading of this meter from "
                                               "2026-11-05")]
    assert (await Meter.select().where(Meter.serial == "WX1001").first())["active"] is True
    assert await Reading.count() == 1
    # Polish headers
    polish = FULL_HEADER.replace("removed_on", "Data demontażu").replace("final_reading", "Odczyt końcowy")
    table = read_table(write(tmp_path, csv_text(removal_rows("20.11.2026", "141,5"), header=polish), "pl.csv"))
    assert table.columns[-2:] == ["removed_on", "final_reading"] and not table.ignored
