"""What a domain gives the app: its Piccolo app, its HTTP controllers and its outbox handlers.
Each domain states it once in its `domain.py`; `backend/domains.py` lists the domains, and
`app.py` and `piccolo_conf.py` loop over that one list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend.core.outbox import Handler
    from backend.settings import Settings


def _no_handlers(settings: Settings) -> dict[str, Handler]:
    return {}


def _none_apart(settings: Settings) -> dict[str, int]:
    return {}


@dataclass(frozen=True)
class Domain:
    name: str
    piccolo_app: str | None = None  # dotted path of its piccolo_app module; None: no tables
    controllers: Sequence[Any] = ()
    outbox_handlers: Callable[[Settings], dict[str, Handler]] = field(default=_no_handlers)
    # outbox jobs queued once a day (Warsaw) at that local time, by whichever worker is first
    daily_jobs: dict[str, time] = field(default_factory=dict)
    # kinds of its jobs claimed by a worker of their own, with this many at once (webhooks: many
    # short requests that should neither wait behind mail nor hold it up)
    outbox_apart: Callable[[Settings], dict[str, int]] = field(default=_none_apart)
