"""A page, not a bare 405, when someone opens a form's POST-only address in the browser.

Django's `require_POST` answers an empty 405; the API has its own JSON error shape, so only
page addresses are turned into the site's error page (the `Allow` header is kept).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from omslink.core.middleware import API_PREFIX


class MethodNotAllowedPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 405
            or request.path.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        page = HttpResponse(
            render_to_string("405.html", {"back": _same_site_referer(request)}, request),
            status=405,
        )
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page


def _same_site_referer(request: HttpRequest) -> str:
    """The page the user came from, only if it is one of ours (never an outside link)."""
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc != request.get_host() or not referer.path.startswith("/"):
        return ""
    return referer.path
