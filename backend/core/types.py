"""Input types every endpoint shares, checked at the edge by msgspec (JSON bodies) and Litestar
(path and query parameters, through `Parameter`): ids that are UUIDs and text without control
characters. PostgreSQL refuses NUL in text and non-UUIDs in uuid columns with an error, SQLite
would store them: both answer 400 `invalid_request` naming the field instead."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec
from litestar.params import Parameter

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# one line: no C0 control character, no DEL; (?!\n) because `$` also matches before a final newline
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*(?!\n)$"
# several lines: tab, line feed and carriage return allowed, no other control character
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

Id = Annotated[str, msgspec.Meta(pattern=UUID_PATTERN), Parameter(pattern=UUID_PATTERN)]
Line = Annotated[str, msgspec.Meta(pattern=LINE_PATTERN), Parameter(pattern=LINE_PATTERN)]
Text = Annotated[str, msgspec.Meta(pattern=TEXT_PATTERN), Parameter(pattern=TEXT_PATTERN)]

_UUID, _LINE, _TEXT = re.compile(UUID_PATTERN), re.compile(LINE_PATTERN), re.compile(TEXT_PATTERN)


def is_id(value: str) -> bool:
    return bool(_UUID.search(value))


def is_line(value: str) -> bool:
    return bool(_LINE.search(value))


def is_text(value: str) -> bool:
    return bool(_TEXT.search(value))


# an optional query parameter (`None` when absent): Litestar checks the pattern when one is given
OptionalId = Annotated[str | None, Parameter(pattern=UUID_PATTERN)]
