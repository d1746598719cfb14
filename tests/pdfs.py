"""Files for upload tests: a real PDF, the EICAR test string behind a PDF header, a photo."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter

# The EICAR anti-virus test file (harmless by design), split so this source is not flagged itself
EICAR = (r"X5O!P%@AP[4\PZX54(P^)7CC)7}$" + r"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode()


def real_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def eicar_pdf() -> bytes:
    return b"%PDF-1.4\n" + EICAR + b"\n%%EOF\n"


def jpeg(width: int = 640, height: int = 480) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(buf, "JPEG", quality=85)
    return buf.getvalue()
