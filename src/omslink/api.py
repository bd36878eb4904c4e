"""The ninja API: one object, each domain's router mounted on it, one error shape for all."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from omslink.api_auth import Allow
from omslink.api_errors import document_errors
from omslink.connected_apps.api import router as connected_apps_router
from omslink.core.errors import (
    ApplicationError,
    InternalError,
    MalformedJson,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Unauthenticated,
)
from omslink.core.json_body import parse_json_body
from omslink.core.middleware import error_response
from omslink.core.validation import validation_failed
from omslink.fulfilment.api import router as fulfilment_router
from omslink.inventory.api import router as inventory_router
from omslink.masters.api import router as masters_router
from omslink.orders.api import router as orders_router
from omslink.returns.api import router as returns_router
from omslink.webhooks.api import router as webhooks_router
from omslink.wholesale.api import router as wholesale_router

logger = logging.getLogger(__name__)


class JsonBodyParser(Parser):
    """Parse a JSON body, refusing what no database column could hold."""

    def parse_body(self, request: HttpRequest) -> Any:
        return parse_json_body(request.body)


class OmslinkApi(NinjaAPI):
    """The API whose OpenAPI document lists every operation's error answers too."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        document = super().get_openapi_schema(path_prefix=path_prefix)
        document_errors(document, self, prefix=path_prefix.rstrip("/"))
        return document


api = OmslinkApi(
    title="omslink",
    version="1",
    description="The ERP side of the ERP <-> OMS link. See CONTRACT.md for the rules.",
    auth=Allow(),  # refuses everyone: each route names who it admits
    parser=JsonBodyParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return error_response(exc)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    if not request.body and any(error.get("loc", ("",))[0] == "body" for error in exc.errors):
        # An empty body reads as `{}`, which serves operations whose fields are all optional
        # (shipping with the OMS's courier); where fields are required it is not a body at all.
        return error_response(MalformedJson("The request body is empty; send a JSON object."))
    return error_response(validation_failed(exc.errors))


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(Unauthenticated())


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApplicationError):
        # ninja wraps whatever the body parser raised; ours already carries the right code.
        return error_response(exc.__cause__)
    by_status: dict[int, type[ApplicationError]] = {
        404: NotFound,
        405: MethodNotAllowed,
        413: PayloadTooLarge,
        400: MalformedJson,
    }
    error_class = by_status.get(exc.status_code)
    if error_class is None:
        logger.error("unexpected HttpError %s on %s", exc.status_code, request.path)
        return error_response(InternalError())
    return error_response(error_class(str(exc) or None))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(InternalError())


for router in (
    connected_apps_router,
    masters_router,
    inventory_router,
    orders_router,
    wholesale_router,
    fulfilment_router,
    returns_router,
    webhooks_router,
):
    api.add_router("/", router)
