"""Admin > Utilities > Connected Apps: its landing page, OMS Apps (list, Add, Edit), API keys.

The pages call the same services as the API. Secrets typed into the Add form are never sent
back: after a refusal the form comes back with its secret fields empty. A new API key is shown
in the one answer that issued it and never again (it is kept in no session or message).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
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
    api_key_by_id,
    api_keys,
    oms_app_by_id,
    oms_app_history,
    oms_apps,
)
from omslink.core.errors import ApplicationError
from omslink.core.validation import validate_as
from omslink.masters.models import OrgUnit
from omslink.web.access import operation_required, signed_in_user
from omslink.web.form_errors import field_errors_in_words, in_words
from omslink.web.json_endpoints import json_endpoint
from omslink.web.navigation import CONNECTED_APPS_GROUP

API_KEY_LABELS = {"org_unit": "Organization unit"}

# Typed by hand and not secret, so a refused form keeps them and drops stray spaces.
_PLAIN_FIELDS = ("name", "org_unit", "webhook_url", "api_url")
_SECRET_FIELDS = ("webhook_secret", "encryption_key", "api_key")
# The words the Add form prints next to its fields.
OMS_APP_LABELS = {
    "name": "App name",
    "org_unit": "Organization unit",
    "webhook_url": "Webhook URL",
    "webhook_secret": "Webhook secret",
    "encryption_key": "Encryption key",
    "api_url": "API URL",
    "api_key": "API key",
}


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
    enabled_apps = {app.org_unit.code: str(app) for app in oms_apps().filter(enabled=True)}
    return {
        "org_units": [
            (org_unit, enabled_apps.get(org_unit.code, ""))
            for org_unit in OrgUnit.objects.order_by("code")
        ],
        "values": values,
        "taken_by": enabled_apps.get(values.get("org_unit", ""), ""),
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
        field_errors = field_errors_in_words(exc, OMS_APP_LABELS)
        tests = {d["test"]: d["error"] for d in exc.details if "test" in d}
        for test, reason in tests.items():
            field_errors[f"{test}_url"] = f"The {test} test failed: {reason}"
        error = in_words(exc, OMS_APP_LABELS)
        context = _form_context(request, plain, error=error, field_errors=field_errors)
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


@json_endpoint("oms_apps_add", labels=OMS_APP_LABELS)
def oms_app_test_webhook(request: HttpRequest, body: Any) -> dict[str, object]:
    payload = validate_as(WebhookTestIn, body)
    return ConnectionTestOut.of(services.oms_app_test_webhook(payload=payload)).data()


@json_endpoint("oms_apps_add", labels=OMS_APP_LABELS)
def oms_app_test_api(request: HttpRequest, body: Any) -> dict[str, object]:
    payload = validate_as(ApiTestIn, body)
    return ConnectionTestOut.of(services.oms_app_test_api(payload=payload)).data()


@json_endpoint("api_keys_manage", labels=OMS_APP_LABELS)
def oms_app_issue_key(request: HttpRequest, body: Any) -> dict[str, object]:
    """The Add form's "Issue new key": provisional until an app is saved with it."""
    payload = validate_as(ApiKeyIn, body)
    issued = services.api_key_issue(
        org_unit=payload.org_unit, created_by=signed_in_user(request), provisional=True
    )
    return ApiKeyIssued.of(issued).data()


@require_GET
@operation_required("oms_apps_view")
def connected_apps_home(request: HttpRequest) -> HttpResponse:
    """The landing page the breadcrumb's "Connected Apps" leads to."""
    return render(request, "connected_apps/home.html", {"group": CONNECTED_APPS_GROUP})


def _api_keys_page(
    request: HttpRequest, *, issued: ApiKeyIssued | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    keys_by_unit: dict[str, list[dict[str, Any]]] = {}
    for key in api_keys().order_by("org_unit__code", "-pk"):
        keys_by_unit.setdefault(key.org_unit.code, []).append(
            {"key": key, "app": getattr(key, "oms_app", None), "lapsed": key.lapsed(now)}
        )
    org_units = OrgUnit.objects.order_by("code")
    context = {
        "org_units": org_units,
        "units": [(unit, keys_by_unit.get(unit.code, [])) for unit in org_units],
        "issued": issued,
        "provisional_minutes": int(services.PROVISIONAL_KEY_LIFETIME.total_seconds() // 60),
    }
    response = render(request, "connected_apps/api_keys.html", context, status=status)
    if issued is not None:
        add_never_cache_headers(response)  # the one answer that holds the key: keep no copy
    return response


@require_GET
@operation_required("oms_apps_view")
def api_key_list(request: HttpRequest) -> HttpResponse:
    return _api_keys_page(request)


@require_POST
@operation_required("api_keys_manage")
def api_key_issue(request: HttpRequest) -> HttpResponse:
    """Issue a key for an OU and show it in this answer only."""
    try:
        payload = validate_as(ApiKeyIn, {"org_unit": request.POST.get("org_unit", "")})
        issued = services.api_key_issue(
            org_unit=payload.org_unit, created_by=signed_in_user(request)
        )
    except ApplicationError as exc:
        messages.error(request, f"No key was issued: {in_words(exc, API_KEY_LABELS)}")
        return _api_keys_page(request, status=exc.status)
    return _api_keys_page(request, issued=ApiKeyIssued.of(issued))


@require_POST
@operation_required("api_keys_manage")
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    revoked = services.api_key_revoke(
        api_key=api_key_by_id(key_id), revoked_by=signed_in_user(request)
    )
    messages.success(request, f"Key …{revoked.last4} of {revoked.org_unit.code} is revoked.")
    return redirect("api_key_list")
