"""The PDF of a document (fpdf2), with DejaVu Sans shipped in backend/core/fonts/ so Polish
characters print everywhere without system fonts, and the transfer QR code."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backend.billing import qr
from backend.billing.schemas import DocumentOut, TransferOut
from backend.core.clock import WARSAW
from backend.core.pdf import Pdf
from backend.settings import Settings

TITLES = {"invoice": "Faktura VAT", "correction": "Faktura korygująca", "reminder": "Upomnienie"}
SOURCES = {"resident": "odczyt klienta", "inspector": "odczyt inkasenta", "estimate": "SZACUNEK",
           "import": "odczyt z systemu", "install": "montaż"}
UNITS = {"m3": "m³", "month": "mc", "pcs": "szt."}


def money(grosze: int) -> str:
    sign = "-" if grosze < 0 else ""
    whole, cents = divmod(abs(grosze), 100)
    return f"{sign}{whole:,}".replace(",", "\u00a0") + f",{cents:02d} zł"


def thousandths(value: int) -> str:
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 1000)
    return f"{sign}{whole},{frac:03d}"


def day(text: str | date | None) -> str:
    if not text:
        return ""
    d = text if isinstance(text, date) else date.fromisoformat(str(text)[:10])
    return f"{d:%d.%m.%Y}"


def moment(text: str | None) -> str:
    return f"{datetime.fromisoformat(text).astimezone(WARSAW):%d.%m.%Y}" if text else "—"


def render(settings: Settings, doc: DocumentOut, customer: dict[str, Any], transfer: TransferOut) -> bytes:
    d = doc.document
    pdf = Pdf(f"{TITLES.get(d.kind, 'Dokument')} {d.number}", settings.utility_name)
    pdf.add_page()

    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(0, 8, f"{TITLES.get(d.kind, 'Dokument')} nr {d.number}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=9)
    if doc.refers_to:
        pdf.cell(0, 5, f"dotyczy faktury nr {doc.refers_to}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 5, f"Data wystawienia: {day(d.issue_date)}    Termin płatności: {day(d.due_date)}",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if d.period_start:
        pdf.cell(0, 5, f"Okres rozliczeniowy: {day(d.period_start)} – {day(d.period_end)}", new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
    pdf.ln(3)

    top = pdf.get_y()
    _block(pdf, 10, top, "Sprzedawca", [settings.utility_name, settings.utility_address, f"NIP {settings.utility_nip}"])
    buyer_address = f"{customer.get('street', '')} {customer.get('house_number', '')}".strip()
    town = f"{customer.get('postcode', '')} {customer.get('town', '')}".strip()
    _block(pdf, 110, top, "Nabywca", [customer["name"], buyer_address, town, f"Nr klienta {customer['number']}"])
    pdf.set_y(top + 30)
    if d.address:
        pdf.set_font("DejaVu", size=9)
        pdf.cell(0, 5, f"Punkt poboru: {d.address}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)

    pdf.set_font("DejaVu", size=8)
    with pdf.table(col_widths=(8, 62, 20, 10, 18, 20, 12, 18, 22), text_align=(
            "RIGHT", "LEFT", "RIGHT", "CENTER", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
            line_height=5) as table:
        table.row(["Lp.", "Nazwa", "Ilość", "J.m.", "Cena netto", "Netto", "VAT %", "VAT", "Brutto"])
        for x in doc.lines:
            table.row([str(x.position), x.description, thousandths(x.quantity), UNITS.get(x.unit, x.unit),
                       money(x.unit_price_grosze), money(x.net_grosze), "np." if x.vat_pct < 0 else f"{x.vat_pct}%",
                       money(x.vat_grosze), money(x.gross_grosze)])
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 6, f"Razem: netto {money(doc.net_grosze)}, VAT {money(doc.vat_grosze)}, "
                   f"brutto {money(d.gross_grosze)}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if doc.meters:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(0, 6, "Odczyty", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("DejaVu", size=8)
        with pdf.table(col_widths=(28, 24, 40, 40, 24, 34), line_height=5,
                       text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT")) as table:
            table.row(["Wodomierz", "Rodzaj", "Poprzedni (m³)", "Obecny (m³)", "Zużycie", "Źródło"])
            for m in doc.meters:
                table.row([m.serial, "główny" if m.kind == "main" else "podlicznik",
                           f"{thousandths(m.previous_litres)} ({moment(m.previous_at)})",
                           f"{thousandths(m.current_litres)} ({moment(m.current_at)})",
                           thousandths(m.consumption_litres), SOURCES.get(m.source, m.source)])
        if d.estimated:
            pdf.ln(1)
            pdf.multi_cell(0, 4, "Faktura wystawiona na podstawie odczytu szacunkowego (średnie dzienne zużycie z "
                                 "ostatnich 12 miesięcy). Rozliczy go następny rzeczywisty odczyt.",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.reason and d.kind == "correction":
        pdf.ln(1)
        pdf.multi_cell(0, 4, f"Przyczyna korekty: {doc.reason}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if d.kind == "reminder" and doc.reminded:
        _reminded(pdf, doc)

    _payment(pdf, doc, transfer)
    return bytes(pdf.output())


def _block(pdf: FPDF, x: float, y: float, title: str, lines: list[str]) -> None:
    pdf.set_xy(x, y)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(90, 5, title, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=9)
    for text in lines:
        if text:
            pdf.cell(90, 5, text, new_x=XPos.LEFT, new_y=YPos.NEXT)


def _reminded(pdf: FPDF, doc: DocumentOut) -> None:
    """The invoices a reminder demands: what was owed when it was issued and what is left now."""
    pdf.ln(2)
    pdf.set_font("DejaVu", size=9)
    owed = sum(i.owed_grosze for i in doc.reminded)
    pdf.multi_cell(0, 5, f"Wzywamy do zapłaty zaległości w kwocie {money(owed)} z faktur wymienionych poniżej wraz z "
                         f"kosztem upomnienia {money(doc.document.gross_grosze)}, w terminie do "
                         f"{day(doc.document.due_date)}.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font("DejaVu", size=8)
    with pdf.table(col_widths=(50, 30, 45, 45), line_height=5, text_align=("LEFT", "LEFT", "RIGHT", "RIGHT")) as table:
        table.row(["Faktura", "Termin płatności", "Zaległość w dniu upomnienia", "Pozostało do zapłaty"])
        for i in doc.reminded:
            table.row([i.number, day(i.due_date), money(i.owed_grosze), money(i.remaining_grosze)])


def _payment(pdf: FPDF, doc: DocumentOut, transfer: TransferOut) -> None:
    """What is left to pay, from the same balances as the app (a reminder: its fee and its
    invoices), with the transfer data and QR code only when something is left."""
    d = doc.document
    if pdf.get_y() > 230:
        pdf.add_page()
    pdf.ln(4)
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 10)
    if d.gross_grosze < 0:  # a correction lowering an invoice: a credit used for the open documents
        pdf.cell(120, 6, f"Kwota na Twoją korzyść: {money(-d.gross_grosze)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("DejaVu", size=9)
        left = -d.remaining_grosze
        pdf.multi_cell(120, 5, f"Zaliczono na poczet należności: {money(-d.gross_grosze - left)}; pozostaje do "
                               f"rozliczenia: {money(left)}.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    due = doc.to_pay_grosze
    if due <= 0:
        pdf.cell(120, 6, f"Zapłacono: {money(d.gross_grosze)}. Nic nie pozostało do zapłaty.",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.cell(120, 6, f"Do zapłaty: {money(due)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=9)
    paid = d.gross_grosze - d.remaining_grosze
    if doc.reminded:
        invoices = sum(max(i.remaining_grosze, 0) for i in doc.reminded)
        pdf.cell(120, 5, f"(zaległość {money(invoices)} + koszt upomnienia {money(max(d.remaining_grosze, 0))})",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    elif paid > 0:
        pdf.cell(120, 5, f"Zapłacono dotąd {money(paid)} z {money(d.gross_grosze)}.",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for text in (f"Odbiorca: {transfer.recipient}", f"Rachunek: {transfer.account_display}",
                 f"Tytuł: {transfer.title}"):
        pdf.cell(120, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=7)
    hint = ("Zeskanuj kod QR aplikacją banku, aby wypełnić przelew." if transfer.qr_payload else
            "Kwota jest za duża na kod QR: wpisz dane przelewu.")
    pdf.multi_cell(120, 4, "Numer rachunku jest indywidualny: wpłata na niego trafia na Twoje konto bez względu na "
                           f"tytuł. {hint}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if transfer.qr_payload:
        pdf.image(io.BytesIO(qr.png(transfer.qr_payload, scale=5)), x=150, y=top, w=40, h=40)
