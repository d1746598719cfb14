"""Shapes of the documents API."""

from __future__ import annotations

import msgspec

CUSTOMER_CATEGORIES = ("contract", "annex", "letter", "notice", "other")
PUBLIC_CATEGORIES = ("price_list", "template", "form", "rules", "accessibility", "other")


class DocumentOut(msgspec.Struct):
    id: str
    customer_id: str
    customer_number: str
    title: str
    category: str
    file_name: str
    size: int
    pages: int
    uploaded_at: str
    unread: bool


class StaffDocumentOut(msgspec.Struct):
    id: str
    customer_id: str
    customer_number: str
    customer_name: str
    title: str
    category: str
    file_name: str
    size: int
    pages: int
    uploaded_at: str
    first_opened_at: str | None


class PublicDocumentOut(msgspec.Struct):
    id: str
    title: str
    category: str
    description: str
    file_name: str
    size: int
    pages: int
    uploaded_at: str
