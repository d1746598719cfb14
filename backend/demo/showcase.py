"""What the demo shows beyond its generated history, made through the product's own services so it
is what real use leaves behind: a few residents' readings sent today through the readings service
(some flagged, one without a photo) waiting in the office's review queue; today's route for the demo
inspector (planned by the office from the queue and a few meter checks); and the public documents of
Informacje as real PDFs drawn with core/pdf.py (the e-BOK rules, the price list from the tariffs, the
accessibility statement from its page). Called once, right after a fresh demo load."""

from __future__ import annotations

import io
import logging
import uuid
from datetime import datetime, timedelta
from html.parser import HTMLParser

from fpdf.enums import XPos, YPos
from PIL import Image, ImageDraw, ImageFont

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import User, UserCustomer
from backend.billing import tariffs
from backend.core import clock
from backend.core.accessibility import statement_html
from backend.core.pdf import FONTS, Pdf
from backend.demo.data import DemoData
from backend.documents import services as documents
from backend.inspections import services as inspections
from backend.readings import services as readings
from backend.settings import Settings

log = logging.getLogger("ebok.demo")

# (customer index in the demo, what the resident sends today, with a photo, the comment): customers
# 100003-100006, not the ones the browser journeys open accounts for (100002) or inspect (100009)
_TODAY = (
    (2, "lower", True, "Licznik pokazuje mniej niż ostatnio — proszę sprawdzić."),
    (3, "high", True, "Pękła rura w ogrodzie, już naprawiona."),
    (4, "plain", False, ""),
    (5, "plain", True, ""),
)
_CHECKS = (6, 9, 10)  # customers whose meters the office sends the inspector to check today
_ACCESS_NOTE = "Wodomierz w piwnicy; klucz u sąsiada spod nr 2."


async def load_showcase(data: DemoData, password_hash: str, settings: Settings | None = None) -> None:
    settings = settings or Settings.from_env()
    staff = await _account("biuro@example.com")
    inspector = await _account("inkasent@example.com")
    residents = await _residents(data, password_hash)
    flagged = await _readings_today(settings, data, residents)
    await _todays_route(settings, data, staff, inspector, flagged)
    await _public_documents(settings, staff)


async def _account(email: str) -> CurrentUser:
    row = await User.select(User.id, User.email, User.name, User.role, User.language).where(
        User.email == email).first()
    assert row is not None  # the demo accounts are made before
    return CurrentUser(id=str(row["id"]), email=row["email"], name=row["name"], role=row["role"],
                       language=row["language"], customer_ids=(), session_id="demo")


async def _residents(data: DemoData, password_hash: str) -> dict[int, CurrentUser]:
    """An e-BOK account (the demo password) for each customer who sends a reading today."""
    out: dict[int, CurrentUser] = {}
    now = clock.now()
    for index, *_ in _TODAY:
        if index >= data.customers:
            continue
        c = data.customer(index).customers[0]
        user_id = uuid.uuid4()
        email = c.email or f"klient{c.number}@example.com"
        await User.insert(User(id=user_id, email=email, name=c.name, role="resident", password_hash=password_hash,
                               language="pl", active=True, created_at=now, password_changed_at=now))
        await UserCustomer.insert(UserCustomer(id=uuid.uuid4(), user=user_id, customer=c.id))
        out[index] = CurrentUser(id=str(user_id), email=email, name=c.name, role="resident", language="pl",
                                 customer_ids=(str(c.id),), session_id="demo")
    return out


def _m3(litres: int) -> str:
    return f"{litres // 1000},{litres % 1000:03d}"


async def _readings_today(settings: Settings, data: DemoData, residents: dict[int, CurrentUser]) -> list[str]:
    """Each resident's reading through readings.store, as the phone sends it; the ids of the flagged."""
    now = clock.now()
    flagged = []
    for k, (index, kind, with_photo, comment) in enumerate(_TODAY):
        user = residents.get(index)
        if user is None:
            continue
        meter_id = str(data.customer(index).meters[0].id)
        meter = await readings.visible_meter(user, meter_id)
        last = (await readings.last_accepted([meter_id]))[meter_id]
        since = now - datetime.fromisoformat(last.captured_at)
        days = max(since.total_seconds() / 86400, 1)
        litres = {
            "lower": last.value_litres - 1_250,  # lower than the last accepted one
            "high": last.value_litres + 38_000,  # a burst pipe: far above the usual use
            "plain": last.value_litres + int(110 * days),  # an ordinary household's use since then
        }[kind]
        sub = readings.Submission(
            meter_id=meter_id, value_text=_m3(litres), captured_at_text=clock.iso(now - timedelta(minutes=95 - 20 * k)),
            comment=comment, photo=meter_photo(litres, meter["serial"]) if with_photo else None)
        _, body = await readings.store(settings, user, meter, sub, None)
        if body["status"] == "flagged":
            flagged.append(body["id"])
    return flagged


def meter_photo(litres: int, serial: str) -> bytes:
    """A picture of a water meter's face showing `litres` (black drum m³, red drum litres) and its serial."""
    img = Image.new("RGB", (1200, 900), (206, 212, 218))
    draw = ImageDraw.Draw(img)
    draw.ellipse((150, 40, 1050, 860), fill=(245, 245, 240), outline=(60, 60, 60), width=14)
    big = ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 92)
    small = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 44)
    whole, frac = f"{litres // 1000:05d}", f"{litres % 1000:03d}"
    x = 235
    for i, digit in enumerate(whole + frac):
        red = i >= len(whole)
        draw.rectangle((x, 330, x + 86, 470), fill=(170, 20, 20) if red else (25, 25, 25))
        draw.text((x + 14, 345), digit, font=big, fill=(255, 255, 255))
        x += 92
    draw.text((520, 490), "m³", font=small, fill=(30, 30, 30))
    draw.text((420, 620), serial, font=small, fill=(30, 30, 30))
    draw.text((470, 200), "Q3 2,5", font=small, fill=(30, 30, 30))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


async def _todays_route(settings: Settings, data: DemoData, staff: CurrentUser, inspector: CurrentUser,
                        flagged: list[str]) -> None:
    """The office sends the first flagged reading and a few meters for a check to the inspector today,
    and the second flagged reading to a visit still to be planned."""
    visit_ids = await inspections.create_visits(settings, flagged[:1], [], _ACCESS_NOTE, staff) if flagged else []
    checks = [str(data.customer(i).meters[0].id) for i in _CHECKS if i < data.customers]
    if checks:
        visit_ids += await inspections.create_visits(settings, [], checks, "", staff)
    if visit_ids:
        await inspections.create_route(staff, inspector.id, clock.today_in_warsaw().isoformat(), visit_ids, "")
    if len(flagged) > 1:  # and one more visit, not on a route yet: the planning screen's list has it
        await inspections.create_visits(settings, flagged[1:2], [], "", staff)


# --- the public documents ----------------------------------------------------------------------------

def _pdf_text(pdf: Pdf, blocks: list[tuple[str, str]]) -> bytes:
    """Headings ("h1", "h2", "h3"), paragraphs ("p") and list items ("li") on A4."""
    pdf.add_page()
    pdf.set_margins(18, 18, 18)
    for kind, text in blocks:
        if kind == "h1":
            pdf.set_font("DejaVu", "B", 16)
            pdf.multi_cell(0, 8, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)
        elif kind in ("h2", "h3"):
            pdf.ln(3)
            pdf.set_font("DejaVu", "B", 12 if kind == "h2" else 10.5)
            pdf.multi_cell(0, 6, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
        else:
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(0, 5, ("• " if kind == "li" else "") + text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1.5)
    return bytes(pdf.output())


class _Blocks(HTMLParser):
    """The statement page's headings, paragraphs and list items as plain text blocks."""

    KINDS = ("h1", "h2", "h3", "p", "li")

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[tuple[str, str]] = []
        self.kind: str | None = None
        self.text: list[str] = []
        self.in_main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.in_main = True
        if self.in_main and tag in self.KINDS and self.kind is None:
            self.kind, self.text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False
        if tag == self.kind:
            text = " ".join("".join(self.text).split())
            if text and not text.startswith(("English version", "Wróć do e-BOK")):
                self.blocks.append((tag, text))
            self.kind = None

    def handle_data(self, data: str) -> None:
        if self.kind:
            self.text.append(data)


def statement_pdf(settings: Settings) -> bytes:
    parser = _Blocks()
    parser.feed(statement_html(settings, "pl"))
    return _pdf_text(Pdf("Deklaracja dostępności", settings.utility_name), parser.blocks)


def _money(grosze: int) -> str:
    whole, cents = divmod(grosze, 100)
    return f"{whole},{cents:02d} zł"


async def price_list_pdf(settings: Settings) -> bytes:
    """The tariffs as the Cennik page shows them: per m³ of water and of sewage, the monthly fee, net,
    VAT and gross, newest first, each with its validity."""
    pdf = Pdf("Cennik usług wodociągowo-kanalizacyjnych", settings.utility_name)
    pdf.add_page()
    pdf.set_margins(18, 18, 18)
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, "Cennik usług wodociągowo-kanalizacyjnych", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 5, f"{settings.utility_name}, {settings.utility_address}. Ceny za zbiorowe zaopatrzenie w wodę "
                         "i zbiorowe odprowadzanie ścieków według zatwierdzonej taryfy.",
                   align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    status_name = {"current": "obowiązująca", "past": "archiwalna", "future": "zapowiedziana"}
    for prices, status in await tariffs.price_list():
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 12)
        until = f" do {prices.valid_to:%d.%m.%Y}" if prices.valid_to else ""
        pdf.multi_cell(0, 6, f"{prices.name} ({status_name[status]}): od {prices.valid_from:%d.%m.%Y}{until}",
                       align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        pdf.set_font("DejaVu", "", 10)
        rows = (("Woda", "1 m³", prices.water, prices.vat_water),
                ("Ścieki", "1 m³", prices.sewage, prices.vat_sewage),
                ("Opłata abonamentowa", "wodomierz na miesiąc", prices.fee, prices.vat_fee))
        with pdf.table(col_widths=(50, 44, 28, 18, 28), text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")) as t:
            head = t.row()
            for cell in ("Usługa", "Jednostka", "Cena netto", "VAT", "Cena brutto"):
                head.cell(cell)
            for name, unit, net, vat in rows:
                row = t.row()
                for cell in (name, unit, _money(net), f"{vat}%", _money(tariffs.gross(net, vat))):
                    row.cell(cell)
    pdf.ln(4)
    pdf.multi_cell(0, 5, "Ceny brutto zawierają podatek VAT. Opłata abonamentowa jest naliczana za każdy wodomierz "
                         "główny za każdy miesiąc okresu rozliczeniowego. Aktualny cennik jest też w e-BOK: Informacje → "
                         "Cennik.", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def rules_pdf(settings: Settings) -> bytes:
    u = settings.utility_name
    days = settings.complaint_days
    blocks = [
        ("h1", "Regulamin elektronicznego Biura Obsługi Klienta (e-BOK)"),
        ("h2", "§ 1. Postanowienia ogólne"),
        ("p", f"1. Regulamin określa zasady korzystania z e-BOK prowadzonego przez {u}, {settings.utility_address} "
              "(dalej: Przedsiębiorstwo)."),
        ("p", "2. e-BOK służy odbiorcom usług do podawania odczytów wodomierzy, przeglądania faktur i płatności, "
              "składania wniosków i reklamacji, kontaktu z Biurem Obsługi Klienta oraz otrzymywania informacji o "
              "awariach i planowanych wyłączeniach wody."),
        ("p", "3. Korzystanie z e-BOK jest bezpłatne i dobrowolne. Sprawy można nadal załatwiać w Biurze Obsługi "
              f"Klienta i telefonicznie pod numerem {settings.utility_phone}."),
        ("h2", "§ 2. Konto"),
        ("p", "1. Konto zakłada odbiorca, podając numer klienta i numer jednej z ostatnich faktur, albo Biuro Obsługi "
              "Klienta na wniosek odbiorcy. Do konta można przypisać kilka punktów poboru wody."),
        ("p", "2. Użytkownik chroni swoje hasło i nie udostępnia go innym osobom. Po kilku nieudanych próbach "
              "logowania konto jest czasowo blokowane."),
        ("p", "3. Użytkownik może w każdej chwili usunąć konto; dane rozliczeniowe Przedsiębiorstwo przechowuje "
              "przez okres wymagany przepisami."),
        ("h2", "§ 3. Odczyty wodomierzy"),
        ("p", "1. Odczyt można podać w oknie odczytowym przed końcem okresu rozliczeniowego, ze zdjęciem "
              "wodomierza. Odczyt zapisany bez połączenia z internetem zostaje wysłany, gdy połączenie wróci."),
        ("p", "2. Odczyty nietypowe (np. niższe od poprzedniego lub znacznie wyższe od zwykłego zużycia) sprawdza "
              "Biuro Obsługi Klienta; może też zlecić wizytę inkasenta."),
        ("h2", "§ 4. Faktury i płatności"),
        ("p", "1. Faktury są udostępniane w e-BOK w formacie PDF; odbiorca, który wyrazi zgodę, otrzymuje je "
              "wyłącznie elektronicznie (e-faktura)."),
        ("p", "2. Należności można opłacić przelewem na indywidualny rachunek lub przez płatność online."),
        ("h2", "§ 5. Wnioski i reklamacje"),
        ("p", "1. W e-BOK można złożyć wniosek o wydanie warunków przyłączenia, o zmianę odbiorcy, o rozwiązanie "
              "umowy, o sprawdzenie wodomierza oraz reklamację faktury lub odczytu."),
        ("p", f"2. Przedsiębiorstwo rozpatruje reklamację w terminie {days} dni od jej otrzymania. Wniosek o "
              "warunki przyłączenia rozpatruje w terminach ustawy o zbiorowym zaopatrzeniu w wodę i zbiorowym "
              "odprowadzaniu ścieków (21 dni dla budynku jednorodzinnego, 45 dni w pozostałych przypadkach)."),
        ("p", "3. Złożenie wniosku potwierdza dokument PDF z datą złożenia; odpowiedź jest widoczna w e-BOK."),
        ("h2", "§ 6. Dane osobowe"),
        ("p", f"Administratorem danych osobowych jest {u}. Dane są przetwarzane w celu zawarcia i wykonania umowy "
              "o zaopatrzenie w wodę i odprowadzanie ścieków. W e-BOK można pobrać kopię swoich danych."),
        ("h2", "§ 7. Postanowienia końcowe"),
        ("p", "1. Przedsiębiorstwo może zmienić regulamin z ważnych przyczyn, informując o tym użytkowników w e-BOK "
              "z 14-dniowym wyprzedzeniem."),
        ("p", f"2. Regulamin obowiązuje od {settings.a11y_published[8:10]}.{settings.a11y_published[5:7]}."
              f"{settings.a11y_published[:4]}."),
    ]
    return _pdf_text(Pdf("Regulamin e-BOK", u), blocks)


async def _public_documents(settings: Settings, staff: CurrentUser) -> None:
    """Informacje: the rules, the price list and the accessibility statement, published as the office does."""
    for title, category, file_name, description, pdf in (
        ("Regulamin e-BOK", "rules", "regulamin-e-bok.pdf",
         "Zasady korzystania z elektronicznego Biura Obsługi Klienta.", rules_pdf(settings)),
        ("Cennik usług wodociągowo-kanalizacyjnych", "price_list", "cennik.pdf",
         "Ceny wody i ścieków za 1 m³ oraz opłata abonamentowa: netto, VAT, brutto.", await price_list_pdf(settings)),
        ("Deklaracja dostępności (PDF)", "accessibility", "deklaracja-dostepnosci.pdf",
         "Deklaracja dostępności e-BOK do wydruku; aktualna wersja jest na stronie.", statement_pdf(settings)),
    ):
        await documents.upload_public(settings, staff, documents.Upload(title, category, file_name, pdf, description))

