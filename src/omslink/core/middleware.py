"""Guard the JSON API before any view runs: size, media type and hostile characters.

Every answer under /api/ is the contract's JSON error shape, including the ones Django or
ninja would otherwise render as HTML (unknown routes, wrong methods, unexpected failures).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from omslink.core.errors import (
    ApplicationError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from omslink.core.text_safety import first_unsafe_text

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
METHODS_WITH_BODY = {"POST", "PUT", "PATCH", "DELETE"}


def error_response(error: ApplicationError) -> JsonResponse:
    response = JsonResponse(error.as_body(), status=error.status)
    for header, value in error.headers.items():
        response[header] = value
    return response


def json_request_refusal(request: HttpRequest) -> ApplicationError | None:
    """Why a JSON request must be refused before parsing (hostile URL, size, media type)."""
    url_text = [request.path]
    for key, values in request.GET.lists():
        url_text += [key, *values]
    if first_unsafe_text(url_text) is not None:
        return ValidationFailed.for_field("url", "contains a NUL or an invalid character")
    if request.method not in METHODS_WITH_BODY:
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0:
        return ValidationFailed.for_field("Content-Length", "is not a number of bytes")
    if length > settings.OMSLINK_MAX_BODY_BYTES:
        return PayloadTooLarge()
    if length == 0:
        return None
    media_type = request.content_type or ""
    if media_type.lower() != "application/json":
        return UnsupportedMediaType(
            f"The request body must be application/json, not {media_type or 'untyped'}."
        )
    return None


class ApiRequestGuardMiddleware:
    """Refuse bad API requests with the contract's codes before they reach a view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        refusal = json_request_refusal(request)
        if refusal is not None:
            return error_response(refusal)
        response = self.get_response(request)
        return self._as_error_shape(request, response)

    def _as_error_shape(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.status_code < 400 or _is_json(response):
            return response
        if response.status_code == 404:
            return error_response(NotFound(f"No API route at {request.path}."))
        if response.status_code == 405:
            allowed = ", ".join(sorted(m.strip() for m in response.get("Allow", "").split(",")))
            return error_response(
                MethodNotAllowed(
                    f"{request.method} is not allowed here; allowed: {allowed}.",
                    headers={"Allow": allowed},
                )
            )
        logger.error(
            "API answered %s without a JSON body for %s", response.status_code, request.path
        )
        return error_response(InternalError())


def _is_json(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    if not content_type.startswith("application/json"):
        return False
    try:
        body = json.loads(response.content)
    except (ValueError, AttributeError):
        return False
    return isinstance(body, dict) and (response.status_code < 400 or "error" in body)
