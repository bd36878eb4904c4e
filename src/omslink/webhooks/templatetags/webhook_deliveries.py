"""`{% failing_webhook_deliveries as counts %}` for the dashboard's deliveries block."""

from __future__ import annotations

from django import template

from omslink.webhooks.selectors import failing_counts

register = template.Library()


@register.simple_tag
def failing_webhook_deliveries() -> dict[str, int]:
    return failing_counts()
