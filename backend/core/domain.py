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


@dataclass(frozen=True)
class Domain:
    name: str
    piccolo_app: str | None = None  # dotted path of its piccolo_app module; None: no tables
    controllers: Sequence[Any] = ()
    outbox_handlers: Callable[[Settings], dict[str, Handler]] = field(default=_no_handlers)
    # outbox jobs queued once a day (Warsaw) at that local time, by whichever worker is first
    daily_jobs: dict[str, time] = field(default_factory=dict)
