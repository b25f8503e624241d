"""Log records as text for people or as JSON lines for a log pipeline (``RASAD_LOG_FORMAT``).

A JSON record has ``at`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, ``process``;
``error`` (the exception's class) and ``traceback`` when one was logged; and whatever a call
site passed as ``extra`` (``topic``, ``partition``, ``offset``, ``reason`` …). Every process
configures it the same way: the CLI's commands through ``configure``, the Faust worker through
``logging_config`` (Faust installs its own handlers otherwise).
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line; never raises on what a record holds."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        # default=str: an extra that is not JSON (a path, a datetime) is written as text.
        line = json.dumps(entry, ensure_ascii=False, default=str)
        return line.encode("utf-8", "replace").decode("utf-8")  # lone surrogates: "?"


def logging_config(level: str, form: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for every process: stderr, text or JSON."""
    formatter = {"()": JsonFormatter} if form == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"rasad": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "rasad",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
    }


def configure(level: str, form: str, quiet: tuple[str, ...] = ()) -> None:
    """Configure this process's logging; ``quiet`` loggers (chatty clients) log errors only."""
    logging.config.dictConfig(logging_config(level, form))
    for name in quiet:
        logging.getLogger(name).setLevel(logging.ERROR)
