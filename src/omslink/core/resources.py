"""The base of every `…Out` schema: one class renders a resource for answers and for events.

A domain declares each resource once in its `schemas.py`, as a `Resource` with a classmethod
`of(model)` that fills it from a model its selector fetched. An API handler returns that
instance (ninja dumps it without validating it again); an event publisher stores
`resource.data()`. So an OMS reads the same fields, in the same order and spelling, in an
answer and in a webhook, and a field added to the schema appears in both.

Plain pydantic rather than ninja's `Schema`: a `Schema` wraps its input in a getter that runs
Python code for every field of every row, which costs more than building the resource.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Resource(BaseModel):
    """A resource as the contract shows it: each field required, so none is left out."""

    def data(self) -> dict[str, Any]:
        """The resource as JSON values: the `data` of an event, or an answer kept for replay."""
        return self.model_dump(mode="json")
