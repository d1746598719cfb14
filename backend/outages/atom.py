"""The public outages as an Atom feed (RFC 4287), for feed readers and the town's website."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from backend.core.clock import iso
from backend.core.db import json_column
from backend.outages import area, texts
from backend.settings import Settings

NS = "http://www.w3.org/2005/Atom"


def _iso(value: datetime) -> str:
    return iso(value).replace("+00:00", "Z")  # RFC 3339's Z, as feed readers expect


def feed(settings: Settings, rows: list[dict[str, Any]], at: datetime) -> bytes:
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}feed", {"xml:lang": "pl"})

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    sub(root, "title", f"Awarie i prace planowane — {settings.utility_name}")
    sub(root, "id", f"{settings.base_url}/awarie")
    sub(root, "link", href=f"{settings.base_url}/api/outages.atom", rel="self", type="application/atom+xml")
    sub(root, "link", href=f"{settings.base_url}/awarie", rel="alternate", type="text/html")
    sub(root, "updated", _iso(max((r["updated_at"] for r in rows), default=at)))
    author = sub(root, "author")
    sub(author, "name", settings.utility_name)
    sub(author, "email", settings.office_email)
    for row in rows:
        a = json_column(row["area"])
        street = area.summary(a)
        title, body = texts.notification(row, "published", street, "pl", at)
        entry = sub(root, "entry")
        sub(entry, "id", f"urn:uuid:{row['id']}")
        sub(entry, "title", title)
        sub(entry, "updated", _iso(row["updated_at"]))
        sub(entry, "published", _iso(row["published_at"] or row["created_at"]))
        sub(entry, "link", href=f"{settings.base_url}/awarie?id={row['id']}", rel="alternate", type="text/html")
        sub(entry, "category", term=row["kind"], label=texts.KIND["pl"][row["kind"]])
        sub(entry, "summary", body + (f"\n\n{row['description']}" if row["description"] else ""))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
