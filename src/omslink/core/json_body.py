"""Parse a request body as strict JSON, shared by the API and the pages' JSON endpoints."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from omslink.core.errors import MalformedJson, ValidationFailed
from omslink.core.text_safety import unsafe_text_path


def _refuse_constant(name: str) -> NoReturn:
    # Python's parser accepts NaN and Infinity, which are not JSON and no column can hold.
    raise ValueError(f"{name} is not JSON")


def parse_json_body(raw: bytes) -> Any:
    """The parsed document, `{}` for an empty body; 400 when not JSON, 422 for unsafe text."""
    if not raw:
        return {}
    try:
        document = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedJson() from exc
    unsafe = unsafe_text_path(document)
    if unsafe is not None:
        raise ValidationFailed.for_field(unsafe, "contains a NUL or an invalid character")
    return document
