"""Admin > Utilities > Connected Apps > OMS Apps: the list, the Add form, the Edit view (§8).

The pages call the same services as the API. Secrets typed into the Add form are never sent
back: after a refusal the form comes back with its secret fields empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omslink.connected_apps import services
from omslink.connected_apps.schemas import (
    ApiKeyIn,
    ApiKeyIssued,
    ApiTestIn,
    ConnectionTestOut,
    OmsAppIn,
    OmsAppOut,
    WebhookTestIn,
)
from omslink.connected_apps.selectors import (
    oms_app_by_id,
    oms_app_history,
    oms_apps,
)
from omslink.core.errors import ApplicationError
from omslink.core.validation import validate_as
from omslink.masters.models import OrgUnit
from omslink.web.access import operation_required, signed_in_user
from omslink.web.json_endpoints import json_endpoint

# Typed by hand and not secret, so a refused form keeps them and drops stray spaces.
_PLAIN_FIELDS = ("name", "org_unit", "webhook_url", "api_url")
_SECRET_FIELDS = ("webhook_secret", "encryption_key", "api_key")


@require_GET
@operation_required("oms_apps_view")
def oms_app_list(request: HttpRequest) -> HttpResponse:
    apps = [OmsAppOut.of(app).model_dump() for app in oms_apps().order_by("pk")]
    return render(request, "connected_apps/oms_app_list.html", {"apps": apps})


@require_GET
@operation_required("oms_apps_view")
def oms_app_open(request: HttpRequest) -> HttpResponse:
    """Action > Edit on the list: open the selected app."""
    selected = request.GET.get("app", "")
    if not (selected.isascii() and selected.isdigit()):
        messages.error(request, "Select an app first, then choose Action > Edit.")
        return redirect("oms_app_list")
    return redirect("oms_app_detail", app_id=int(selected))


def _form_context(
    request: HttpRequest,
    values: Mapping[str, str],
    *,
    error: str = "",
    field_errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "org_units": OrgUnit.objects.order_by("code"),
        "values": values,
        "error": error,
        "field_errors": field_errors or {},
        "default_api_url": request.build_absolute_uri("/").rstrip("/"),
    }


@require_http_methods(["GET", "POST"])
@operation_required("oms_apps_add")
def oms_app_add(request: HttpRequest) -> HttpResponse:
    """The OMS Configuration form; Enable saves the app after the server runs both tests."""
    if request.method == "GET":
        return render(request, "connected_apps/oms_app_form.html", _form_context(request, {}))
    plain = {field: request.POST.get(field, "").strip() for field in _PLAIN_FIELDS}
    document: dict[str, Any] = {
        **plain,
        **{field: request.POST.get(field, "") for field in _SECRET_FIELDS},
    }
    document["encryption_key"] = document["encryption_key"] or None
    try:
        payload = validate_as(OmsAppIn, document)
        app = services.oms_app_create(created_by=signed_in_user(request), payload=payload)
    except ApplicationError as exc:
        field_errors = {d["field"]: d["message"] for d in exc.details if "field" in d}
        tests = {d["test"]: d["error"] for d in exc.details if "test" in d}
        for test, reason in tests.items():
            field_errors[f"{test}_url"] = f"The {test} test failed: {reason}"
        context = _form_context(request, plain, error=exc.message, field_errors=field_errors)
        return render(request, "connected_apps/oms_app_form.html", context, status=exc.status)
    messages.success(request, f"{app} was added for {app.org_unit.code} and is enabled.")
    return redirect("oms_app_list")


@require_GET
@operation_required("oms_apps_view")
def oms_app_detail(request: HttpRequest, app_id: int) -> HttpResponse:
    """Action > Edit: every field disabled; Disable or Enable is the only control."""
    app = oms_app_by_id(app_id)
    return render(
        request,
        "connected_apps/oms_app_detail.html",
        {"app": OmsAppOut.of(app).model_dump(), "history": oms_app_history(app)},
    )


def _switch(request: HttpRequest, app_id: int, *, enable: bool) -> HttpResponseRedirect:
    change = services.oms_app_enable if enable else services.oms_app_disable
    app = oms_app_by_id(app_id)
    try:
        app = change(oms_app=app, by=signed_in_user(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{app} is now {'enabled' if app.enabled else 'disabled'}.")
    return redirect(reverse("oms_app_detail", kwargs={"app_id": app_id}))


@require_POST
@operation_required("oms_apps_edit")
def oms_app_enable(request: HttpRequest, app_id: int) -> HttpResponse:
    return _switch(request, app_id, enable=True)


@require_POST
@operation_required("oms_apps_edit")
def oms_app_disable(request: HttpRequest, app_id: int) -> HttpResponse:
    return _switch(request, app_id, enable=False)


@json_endpoint("oms_apps_add")
def oms_app_test_webhook(request: HttpRequest, body: Any) -> dict[str, object]:
    payload = validate_as(WebhookTestIn, body)
    return ConnectionTestOut.of(services.oms_app_test_webhook(payload=payload)).data()


@json_endpoint("oms_apps_add")
def oms_app_test_api(request: HttpRequest, body: Any) -> dict[str, object]:
    payload = validate_as(ApiTestIn, body)
    return ConnectionTestOut.of(services.oms_app_test_api(payload=payload)).data()


@json_endpoint("api_keys_manage")
def api_key_issue(request: HttpRequest, body: Any) -> dict[str, object]:
    payload = validate_as(ApiKeyIn, body)
    issued = services.api_key_issue(org_unit=payload.org_unit, created_by=signed_in_user(request))
    return ApiKeyIssued.of(issued).data()
