"""Turn pydantic's errors into the contract's `validation_error` details."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from omslink.core.errors import ValidationFailed

T = TypeVar("T")
_SOURCES = {"body", "query", "path", "header", "cookie", "form"}


def _field_path(loc: Iterable[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif "[" in str(part):
            continue  # a validator's or union member's name, not a field
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def validation_failed(errors: Iterable[Mapping[str, Any]]) -> ValidationFailed:
    details = [
        {
            "field": _field_path(error.get("loc", ())),
            "message": str(error.get("msg", "is invalid")).removeprefix("Value error, "),
        }
        for error in errors
    ]
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:3])
    return ValidationFailed(summary or None, details=details)


def validate_as(shape: type[T], document: Any) -> T:
    """Validate a parsed document against a type, raising the contract's 422 on failure."""
    try:
        return TypeAdapter(shape).validate_python(document)
    except PydanticValidationError as exc:
        raise validation_failed(exc.errors()) from exc
