"""Is an upload really a PDF? Decided by parsing it with pypdf, never by its name or content type.

A file that only starts with "%PDF-" (e.g. the EICAR test string behind a PDF header) has no
cross-reference table, trailer or pages, and is refused as not a PDF. Encrypted PDFs are refused
too: residents could not open them. This is no virus scan; it keeps what we serve to what it claims
to be, and files are always sent as attachments with their own content type."""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings
from typing import Final

MAX_PDF_BYTES: Final = 10 * 1024 * 1024
MAX_PAGES: Final = 500

# pypdf logs what it repairs; parsing untrusted files must not fill the log
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_pdf(data: bytes) -> int:
    """The number of pages; raises PdfError(code) for anything we do not keep."""
    if len(data) > MAX_PDF_BYTES:
        raise PdfError("file_too_large", "The file is larger than 10 MB")
    if not data.lstrip(b"\r\n\t ")[:5] == b"%PDF-":
        raise PdfError("file_not_pdf", "The file is not a PDF")
    from pypdf import PdfReader  # imported on the first upload
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about repairable oddities; the result decides
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise PdfError("file_encrypted", "Encrypted PDFs cannot be published")
            pages = len(reader.pages)
            for page in reader.pages[:MAX_PAGES]:
                _ = page.mediabox  # every page object resolves
    except PdfError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError,
            AssertionError, ZeroDivisionError):
        raise PdfError("file_not_pdf", "The file is not a readable PDF") from None
    if pages < 1:
        raise PdfError("file_not_pdf", "The PDF has no pages")
    if pages > MAX_PAGES:
        raise PdfError("file_too_large", "The PDF has too many pages")
    return pages


def safe_file_name(name: str, default: str = "dokument.pdf", suffix: str = ".pdf") -> str:
    """A download name without paths, control characters or quotes, ending with the suffix."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = re.sub(r'[\x00-\x1f\x7f"<>:|?*;]', "", base).strip(" .")[:150]
    if not base:
        return default
    return base if base.lower().endswith(suffix) else base + suffix
