"""structlog set-up: JSON in production, readable in a terminal, personal data masked.

Every line carries whatever is bound in contextvars: commune, dossier code,
correlation id (bound by the HTTP middleware and by the consumer middleware), and the
OpenTelemetry trace and span ids of the request or event being handled.
"""

import logging
import re
import sys
from typing import Any

import structlog

from motcua_runtime.observability import add_trace_ids

# Vietnamese citizen ID (CCCD, 12 digits) and old ID (CMND, 9 digits); phones 0xxxxxxxxx or +84xxxxxxxxx.
_NOT_ALNUM_BEFORE, _NOT_ALNUM_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_ID_OR_PHONE = re.compile(
    _NOT_ALNUM_BEFORE + r"(?:(?:\+84|0)\d{9}|\d{12}|\d{9})" + _NOT_ALNUM_AFTER
)


def mask_digits(value: str, keep: int = 3) -> str:
    """'0912345678' -> '*******678'."""
    return "*" * max(len(value) - keep, 0) + value[-keep:]


def mask_text(text: str) -> str:
    """Mask every ID-number-like or phone-like run of digits inside a text."""
    return _ID_OR_PHONE.sub(lambda m: mask_digits(m.group(0)), text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_mask_value(v) for v in value)
    return value


def mask_personal_data(_logger: Any, _method: str, event_dict: dict) -> dict:
    """structlog processor: no full ID number or phone number reaches a log line."""
    return {key: _mask_value(value) for key, value in event_dict.items()}


def configure_logging(*, json: bool = True, level: str = "INFO") -> None:
    shared = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False) if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, mask_personal_data, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Libraries that log through stdlib logging (uvicorn, faststream) get the same masking.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, mask_personal_data, renderer],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
