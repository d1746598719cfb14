"""Shapes of the contact API."""

from __future__ import annotations

from typing import Annotated

import msgspec

from backend.core.types import Text

CATEGORIES = ("question", "complaint", "meter_problem", "data_change", "outage_report")
MAX_ATTACHMENTS = 3

Body = Annotated[Text, msgspec.Meta(min_length=1, max_length=5000)]


class AttachmentOut(msgspec.Struct):
    id: str
    kind: str
    file_name: str
    size: int


class MessageOut(msgspec.Struct):
    id: str
    from_staff: bool
    author_name: str
    body: str
    created_at: str
    attachments: list[AttachmentOut]


class ThreadOut(msgspec.Struct):
    id: str
    customer_id: str
    customer_number: str
    category: str
    subject: str
    status: str
    created_at: str
    last_message_at: str
    unread: bool  # for the one asking: residents see staff replies, staff see residents' messages


class ThreadDetailOut(msgspec.Struct):
    thread: ThreadOut
    messages: list[MessageOut]
    customer_name: str


class ReplyIn(msgspec.Struct, forbid_unknown_fields=True):
    body: Body
