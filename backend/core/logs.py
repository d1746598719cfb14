# SPDX-License-Identifier: AGPL-3.0-or-later
"""Logging for the app and uvicorn: text, or one JSON object a line (EBOK_LOG_FORMAT=json).

Nothing secret reaches a log line: the access log's query values are replaced (activation, reset
and e-mail-change links carry their single-use token as `?token=`), and the app's own messages
never hold passwords, tokens, session ids or photos (they name masked addresses and ids only).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "REDACTED"


def redact_path(path: str) -> str:
    """`/aktywuj?token=abc&x=1` -> `/aktywuj?token=REDACTED&x=REDACTED`: the names stay for
    debugging, no value does (a token may travel under any name)."""
    base, sep, query = path.partition("?")
    if not sep:
        return path
    pairs = parse_qsl(query, keep_blank_values=True)
    return f"{base}?{urlencode([(k, REDACTED) for k, _ in pairs], safe=REDACTED)}"


class RedactAccessLog(logging.Filter):
    """uvicorn.access records: args are (client, method, path with query, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            entry.update(client=client, method=method, path=path, http_version=version, status=status)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(entry).decode()


def logging_config(log_format: str) -> dict[str, Any]:
    """A dictConfig for uvicorn (each worker process applies it) and for the CLI's commands."""
    json_mode = log_format == "json"
    formatter: dict[str, Any] = {"()": JsonFormatter} if json_mode else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_access": {"()": RedactAccessLog}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stdout",
                       "filters": ["redact_access"]},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["default"], "level": "INFO"},
    }


def configure(log_format: str) -> None:
    import logging.config

    logging.config.dictConfig(logging_config(log_format))
