"""Refusals in people's words: the one place pages turn validation details into sentences.

The API keeps the contract's terse details (`webhook_url: String should have at least 1
character`); a form shows "Webhook URL is required". Each form passes the labels it prints
next to its fields, so the sentence names the field as the user sees it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from omslink.core.errors import ApplicationError

_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(\w+)$")

# pydantic's messages (after `validate_as`), each with the sentence a person reads instead:
# `{label}` is the field's label, `{1}` the pattern's first group.
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), sentence)
    for pattern, sentence in (
        (r"^Field required$", "{label} is required"),
        (r"^String should have at least 1 character$", "{label} is required"),
        (r"^String should have at least (\d+) char.*$", "{label} needs {1} or more characters"),
        (r"^String should have at most (\d+) char.*$", "{label} may have {1} characters at most"),
        (r"^List should have at least (\d+) items?.*$", "{label} needs at least {1} entries"),
        (r"^List should have at most (\d+) items?.*$", "{label} may have at most {1} entries"),
        (r"^String should match pattern .*$", "{label} is not valid"),
        (r"^Input should be a valid integer.*$", "{label} must be a whole number"),
        (r"^Input should be a valid (?:decimal|number).*$", "{label} must be a number"),
        (r"^Input should be greater than or equal to (\S+)$", "{label} must be at least {1}"),
        (r"^Input should be greater than (\S+)$", "{label} must be more than {1}"),
        (r"^Input should be less than or equal to (\S+)$", "{label} must be at most {1}"),
        (r"^Input should be a valid string$", "{label} must be text"),
        (r"^Input should be (.*)$", "{label} must be {1}"),
    )
)


def _label(field: str, labels: Mapping[str, str]) -> str:
    if field in labels:
        return labels[field]
    line = _LINE_FIELD.match(field)
    if line:
        part = labels.get(line[2], line[2].replace("_", " "))
        return f"Line {int(line[1]) + 1}: {part.lower()}"
    return field.replace("_", " ").replace(".", " ").capitalize()


def field_in_words(field: str, message: str, labels: Mapping[str, str]) -> str:
    """One field's refusal as a sentence: `Webhook URL is required`."""
    label = _label(field, labels)
    for pattern, sentence in _REWRITES:
        match = pattern.match(message)
        if match:
            groups = [group.replace("'", "") for group in match.groups()]
            return sentence.format(None, *groups, label=label)
    # Our own services already speak in words, as a predicate ("must be …", "is not …").
    if message[:1].islower():
        return f"{label} {message}"
    return f"{label}: {message}"


def field_errors_in_words(exc: ApplicationError, labels: Mapping[str, str]) -> dict[str, str]:
    """Each refused field's sentence, keyed by field, for showing next to the input."""
    sentences: dict[str, str] = {}
    for detail in exc.details:
        if isinstance(detail, dict) and "field" in detail and "message" in detail:
            field = str(detail["field"])
            sentence = field_in_words(field, str(detail["message"]), labels)
            sentences[field] = f"{sentences[field]}; {sentence}" if field in sentences else sentence
    return sentences


def in_words(exc: ApplicationError, labels: Mapping[str, str]) -> str:
    """The whole refusal as one or more sentences; the message itself when no field is named."""
    sentences = field_errors_in_words(exc, labels)
    if not sentences:
        return exc.message
    return " ".join(f"{sentence}." for sentence in sentences.values())
