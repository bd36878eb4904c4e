"""Find text that the databases would refuse: NUL characters and lone surrogates.

PostgreSQL rejects both in text columns; catching them at the edge turns a would-be 500
into a 422 that names the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def is_unsafe_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def first_unsafe_text(values: Iterable[str]) -> str | None:
    for value in values:
        if is_unsafe_text(value):
            return value
    return None


def unsafe_text_path(document: Any) -> str | None:
    """Return the JSON path of the first unsafe string (key or value) in a parsed document.

    Iterative, so a document nested as deep as the JSON parser allows cannot exhaust the stack.
    """
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if is_unsafe_text(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, child in value.items():
                child_path = f"{path}.{key}" if path else str(key)
                if is_unsafe_text(str(key)):
                    return child_path
                stack.append((child_path, child))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(value))
    return None
