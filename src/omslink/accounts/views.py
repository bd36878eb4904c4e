"""Admin > Security: the Roles matrix and Users pages, for roles with "Roles and users: Manage"."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Group, User
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omslink.accounts import services
from omslink.accounts.forms import (
    PasswordThrottled,
    ThrottledAuthenticationForm,
    ThrottledPasswordChangeForm,
)
from omslink.accounts.models import Role
from omslink.accounts.selectors import token_of_user, user_by_id
from omslink.core.errors import ApplicationError
from omslink.core.operations import ADMINISTRATOR, BUILT_IN_ROLES, OPERATIONS
from omslink.web.access import operation_required, signed_in_user


def _throttle_refusal(response: HttpResponse, form: PasswordThrottled) -> HttpResponse:
    """A form the throttle refused answers 429 with Retry-After; any other stays as it is."""
    if form.refusal is not None:
        response.status_code = form.refusal.status
        for header, value in form.refusal.headers.items():
            response[header] = value
    return response


class SignInView(LoginView):
    """The sign-in page; a throttled user name gets the page with 429 and Retry-After."""

    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        assert isinstance(form, ThrottledAuthenticationForm)
        return _throttle_refusal(super().form_invalid(form), form)


@require_http_methods(["GET", "POST"])
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Users change their own password; their other sessions end, this one goes on.

    Wrong current passwords are throttled like failed sign-ins of the same user name.
    """
    user = signed_in_user(request)
    form = ThrottledPasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if not form.is_valid():
        status = 422 if form.is_bound else 200
        page = render(request, "accounts/password_change.html", {"form": form}, status=status)
        return _throttle_refusal(page, form)
    try:
        services.password_change(
            user=user,
            new_password=form.cleaned_data["new_password1"],
            keep_session=request.session.session_key,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return render(request, "accounts/password_change.html", {"form": form}, status=exc.status)
    update_session_auth_hash(request, user)
    messages.success(request, "Your password is changed. Your other sessions are signed out.")
    return redirect("home")


def _roles_in_order() -> list[Group]:
    """Built-in roles first, in the contract's order, then the others by name."""
    built_in = list(BUILT_IN_ROLES)
    roles = list(Role.objects.prefetch_related("permissions"))
    return sorted(
        roles,
        key=lambda role: (
            built_in.index(role.name) if role.name in built_in else len(built_in),
            role.name.lower(),
        ),
    )


@require_GET
@operation_required("roles_manage")
def roles(request: HttpRequest) -> HttpResponse:
    role_list = _roles_in_order()
    granted = {role.pk: {p.codename for p in role.permissions.all()} for role in role_list}
    features = [
        {
            "name": feature,
            "operations": [
                {
                    "codename": op.codename,
                    "label": op.label,
                    "cells": [
                        {
                            "role": role,
                            "checked": op.codename in granted[role.pk],
                            "fixed": role.name == ADMINISTRATOR,
                        }
                        for role in role_list
                    ],
                }
                for op in operations
            ],
        }
        for feature, operations in groupby(OPERATIONS, key=lambda op: op.feature)
    ]
    return render(request, "accounts/roles.html", {"roles": role_list, "features": features})


def _positive_int(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


@require_POST
@operation_required("roles_manage")
def roles_save(request: HttpRequest) -> HttpResponse:
    """Every role shown but Administrator gets exactly the boxes ticked in its column."""
    operations: dict[int, set[str]] = {}
    for role_id in request.POST.getlist("role"):
        role_pk = _positive_int(role_id)
        if role_pk is None:
            messages.error(request, "The form named a role that does not exist; nothing changed.")
            return redirect("roles")
        operations.setdefault(role_pk, set())
    for cell in request.POST.getlist("op"):
        role_id, _, codename = cell.partition(":")
        role_pk = _positive_int(role_id)
        if role_pk is None or role_pk not in operations:
            messages.error(request, "The form named a role that does not exist; nothing changed.")
            return redirect("roles")
        operations[role_pk].add(codename)
    try:
        services.roles_set_operations(operations=operations)
    except ApplicationError as exc:
        messages.error(request, f"{exc.message} Nothing changed.")
    else:
        messages.success(request, "The roles' operations are saved.")
    return redirect("roles")


@require_POST
@operation_required("roles_manage")
def role_add(request: HttpRequest) -> HttpResponse:
    try:
        role = services.role_create(name=request.POST.get("name", "").strip())
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Role {role.name} added; tick its operations below.")
    return redirect("roles")


def _users_context(values: dict[str, str] | None = None) -> dict[str, Any]:
    users = User.objects.prefetch_related("groups").order_by("username")
    return {
        "users": [
            {"user": user, "role": user.groups.all()[0].name if user.groups.all() else ""}
            for user in users
        ],
        "roles": _roles_in_order(),
        "values": values or {},
    }


@require_http_methods(["GET", "POST"])
@operation_required("roles_manage")
def users(request: HttpRequest) -> HttpResponse:
    """The users, and a form that creates one with a role."""
    if request.method == "GET":
        return render(request, "accounts/users.html", _users_context())
    values = {
        "username": request.POST.get("username", "").strip(),
        "role": request.POST.get("role", ""),
    }
    try:
        user = services.user_create(
            username=values["username"],
            password=request.POST.get("password", ""),
            role=values["role"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return render(request, "accounts/users.html", _users_context(values), status=exc.status)
    messages.success(request, f"User {user.username} created with role {values['role']}.")
    return redirect("users")


@require_POST
@operation_required("roles_manage")
def user_role(request: HttpRequest, user_id: int) -> HttpResponse:
    user = user_by_id(user_id)
    try:
        services.user_set_role(
            user=user, role=request.POST.get("role", ""), by=signed_in_user(request)
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{user.username} now has role {request.POST['role']}.")
    return redirect("users")


@require_POST
@operation_required("roles_manage")
def user_active(request: HttpRequest, user_id: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    user = user_by_id(user_id)
    try:
        services.user_set_active(user=user, active=active, by=signed_in_user(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{user.username} is {'active' if active else 'deactivated'}.")
    return redirect("users")


@require_GET
@operation_required("roles_manage")
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """One user: role, status and their personal tokens, newest first."""
    shown = user_by_id(user_id)
    return render(
        request,
        "accounts/user.html",
        {
            "shown": shown,
            "role": ", ".join(group.name for group in shown.groups.all()),
            "tokens": shown.personal_tokens.order_by("-created_at", "-pk"),
        },
    )


@require_POST
@operation_required("roles_manage")
def user_token_revoke(request: HttpRequest, user_id: int, token_id: int) -> HttpResponse:
    token = services.token_revoke(token=token_of_user(user_by_id(user_id), token_id))
    messages.success(request, f"Token …{token.last4} is revoked.")
    return redirect("user_detail", user_id=user_id)
