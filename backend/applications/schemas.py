"""Shapes of the applications API."""

from __future__ import annotations

from typing import Annotated

import msgspec

from backend.core.types import Text

MAX_ATTACHMENTS = 5

Reason = Annotated[Text, msgspec.Meta(min_length=1, max_length=2000)]
Answer = Annotated[Text, msgspec.Meta(min_length=1, max_length=10000)]


class AttachmentOut(msgspec.Struct):
    id: str
    kind: str
    file_name: str
    size: int


class ApplicationOut(msgspec.Struct):
    id: str
    number: str
    customer_id: str
    customer_number: str
    kind: str
    status: str  # filed | extended | answered | closed
    fields: dict[str, str]
    filed_at: str
    due_on: str  # YYYY-MM-DD, the last day the office has to answer
    days_left: int  # 0 on the last day, negative once overdue (for the office's queue)
    overdue: bool  # still unanswered after due_on
    extension_reason: str
    extended_at: str | None
    answer: str
    answered_at: str | None
    closed_at: str | None
    unread: bool  # for the resident: the office extended or answered since they last looked
    attachments: list[AttachmentOut]


class DeadlinesOut(msgspec.Struct):
    complaint_days: int
    application_days: int


class ExtendIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class AnswerIn(msgspec.Struct, forbid_unknown_fields=True):
    answer: Answer
