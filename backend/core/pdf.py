"""The one way e-BOK lays out a PDF (fpdf2): A4, DejaVu Sans shipped in backend/core/fonts/ so
Polish letters print, and "Strona n/N" in the footer. Invoices and applications' confirmations use it."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"


class Pdf(FPDF):
    def __init__(self, title: str, author: str) -> None:
        super().__init__(format="A4")
        self.set_title(title)
        self.set_author(author)
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=16)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=7)
        self.cell(0, 5, f"Strona {self.page_no()}/{{nb}}", align="C")
