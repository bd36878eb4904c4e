"""Hypothesis strategies for request bodies, read from the API's own OpenAPI document.

A body drawn here obeys every constraint the document states (types, lengths, patterns,
ranges, required fields), so it is what a client generated from the document may send. Where
a value must name something that exists (an OU, a site, a SKU), the caller overrides the
property by name.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

Overrides = dict[str, st.SearchStrategy[Any]]

# Any character JSON can carry, for strings the document puts no rule on.
_TEXT = st.characters(codec="utf-8", exclude_categories=["Cs"])
# What people type, in any script, for strings with a pattern: ECMA-262 patterns cannot say
# "printable" as Python does, so the document's text patterns only exclude control characters.
_TYPED = st.one_of(
    st.characters(categories=("L", "M", "N", "P", "S")),
    st.sampled_from(" \n\t"),
)

# Moments as the contract allows them: years 1970-9998, offsets -12:00..+14:00.
_MOMENTS = st.builds(
    lambda moment, minutes: (
        moment.replace(tzinfo=timezone(timedelta(minutes=minutes)))
        .isoformat()
        .replace("+00:00", "Z")
    ),
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9998, 12, 31, 23, 59, 59)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)


def body_strategy(
    document: dict[str, Any], schema: dict[str, Any], overrides: Overrides
) -> st.SearchStrategy[Any]:
    """Values of `schema` (which may `$ref` the document's components)."""
    return _Builder(document, overrides).of(schema)


class _Builder:
    def __init__(self, document: dict[str, Any], overrides: Overrides) -> None:
        self.components = document.get("components", {}).get("schemas", {})
        self.overrides = overrides

    def of(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        if "$ref" in schema:
            return self.of(self.components[schema["$ref"].rsplit("/", 1)[-1]])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        if "const" in schema:
            return st.just(schema["const"])
        if "anyOf" in schema or "oneOf" in schema:
            members: list[dict[str, Any]] = schema.get("anyOf") or schema.get("oneOf") or []
            return st.one_of([self.of(member) for member in members])
        kind = schema.get("type")
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            items = self.of(schema.get("items", {}))
            low = schema.get("minItems", 0)
            return st.lists(items, min_size=low, max_size=min(schema.get("maxItems", 3), low + 3))
        if kind == "string":
            return self._string(schema)
        if kind == "integer":
            return st.integers(schema.get("minimum"), schema.get("maximum"))
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        raise AssertionError(f"no strategy for schema {schema}")

    def _object(self, schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        required = set(schema.get("required", []))
        properties = schema.get("properties", {})
        fixed: dict[str, st.SearchStrategy[Any]] = {}
        optional: dict[str, st.SearchStrategy[Any]] = {}
        for name, member in properties.items():
            strategy = self.overrides[name] if name in self.overrides else self.of(member)
            (fixed if name in required else optional)[name] = strategy
        return st.fixed_dictionaries(fixed, optional=optional)

    def _string(self, schema: dict[str, Any]) -> st.SearchStrategy[str]:
        if schema.get("format") == "date-time":
            return _MOMENTS
        low = schema.get("minLength", 0)
        high = schema.get("maxLength")
        if "pattern" in schema:
            pattern = st.from_regex(schema["pattern"], fullmatch=True, alphabet=_TYPED)
            return pattern.filter(lambda text: low <= len(text) <= (high or len(text)))
        high = 300 if high is None else high
        # Lengths at the limit are where a column too short for the schema shows.
        return st.one_of(
            st.text(_TEXT, min_size=low, max_size=high),
            st.text(_TEXT, min_size=high, max_size=high),
        )
