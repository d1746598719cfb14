"""The written confirmation of filing (art. 19a: the utility confirms the filing and its date): a PDF
with the case number, the day and time of filing, the deadline, the customer and what was filed."""

from __future__ import annotations

from datetime import date, datetime

from fpdf.enums import XPos, YPos

from backend.applications.mails import KIND_NAMES
from backend.core.clock import WARSAW
from backend.core.pdf import Pdf

LABELS = {
    "applicant_name": "Wnioskodawca", "applicant_address": "Adres wnioskodawcy",
    "property_address": "Nieruchomość do przyłączenia", "plot_number": "Nr działki ewidencyjnej",
    "building": "Rodzaj zabudowy", "property_use": "Przeznaczenie i sposób wykorzystywania nieruchomości",
    "connection": "Przyłączenie do sieci", "water_demand": "Dobowe zapotrzebowanie na wodę [m³/d]",
    "water_purpose": "Przeznaczenie wody", "sewage_amount": "Ilość odprowadzanych ścieków [m³/d]",
    "sewage_kind": "Rodzaj ścieków", "planned_start": "Planowany termin rozpoczęcia poboru wody / odprowadzania ścieków",
    "subject": "Czego dotyczy", "reference": "Numer faktury lub wodomierza", "description": "Opis",
    "change": "Zmiana", "date": "Data", "meter_serial": "Nr wodomierza", "final_reading": "Stan wodomierza [m³]",
    "other_party_name": "Drugi odbiorca (imię i nazwisko / nazwa)", "other_party_address": "Adres drugiego odbiorcy",
    "notes": "Uwagi", "end_date": "Data rozwiązania umowy", "correspondence_address": "Adres do korespondencji",
    "reason": "Powód",
}
VALUES = {
    "single_family": "budynek mieszkalny jednorodzinny", "multi_family": "budynek wielorodzinny",
    "other": "inna", "water": "wodociągowej", "sewage": "kanalizacyjnej", "both": "wodociągowej i kanalizacyjnej",
    "domestic": "bytowe", "industrial": "przemysłowe", "invoice": "faktura", "reading": "odczyt",
    "move_out": "wyprowadzka (przekazanie)", "move_in": "wprowadzenie się (przejęcie)",
}


def _day(d: date) -> str:
    return f"{d:%d.%m.%Y}"


def confirmation(*, utility: str, utility_address: str, number: str, kind: str, filed_at: datetime, due_on: date,
                 customer_number: str, customer_name: str, fields: dict[str, str], attachments: list[str]) -> bytes:
    pdf = Pdf(f"Potwierdzenie złożenia wniosku {number}", utility)
    pdf.add_page()
    pdf.set_font("DejaVu", size=9)
    pdf.cell(0, 5, utility, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 5, utility_address, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, "Potwierdzenie złożenia wniosku", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=10)
    local = filed_at.astimezone(WARSAW)
    for line in (f"{KIND_NAMES['pl'][kind]} nr {number}",
                 f"Złożony przez e-BOK dnia {local:%d.%m.%Y} o godz. {local:%H:%M}",
                 f"Termin odpowiedzi: {_day(due_on)}",
                 f"Odbiorca usług: {customer_name} (nr klienta {customer_number})"):
        pdf.cell(0, 6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 6, "Treść wniosku", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for name, value in fields.items():
        shown = VALUES.get(value, value)
        if name in ("date", "end_date", "planned_start"):
            shown = _day(date.fromisoformat(value))
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(0, 5, LABELS.get(name, name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("DejaVu", size=9)
        pdf.multi_cell(0, 5, shown, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    if attachments:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(0, 6, "Załączniki", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("DejaVu", size=9)
        for i, name in enumerate(attachments, 1):
            pdf.cell(0, 5, f"{i}. {name}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font("DejaVu", size=8)
    pdf.multi_cell(0, 4, "Dokument wygenerowany automatycznie przez e-BOK; nie wymaga podpisu.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
