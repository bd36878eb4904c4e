"""`{% export_url "csv" %}`: this page's address with its filters, asking for a download."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def export_url(context: dict[str, Any], fmt: str) -> str:
    request = context["request"]
    query = request.GET.copy()
    query.pop("cursor", None)
    query["export"] = fmt
    return f"{request.path}?{query.urlencode()}"
