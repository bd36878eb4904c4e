"""Admin > Security: the Roles matrix and the Users page, for those who manage roles only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils.html import escape
from django.utils.timezone import localtime

from omslink.accounts.models import PersonalToken, Role
from omslink.accounts.services import token_create
from omslink.core.crypto import token_hash
from omslink.core.operations import CODENAMES, OPERATIONS
from tests.conftest import ApiClient, assert_error

PASSWORD = "correct-horse-9"
ROLES_PAGE = "/admin/security/roles/"
USERS_PAGE = "/admin/security/users/"


@pytest.fixture
def page_of(make_user: Callable[..., Any]) -> Callable[..., tuple[Client, Any]]:
    def sign_in(role: str, username: str | None = None) -> tuple[Client, Any]:
        user, _ = make_user(role, username)
        client = Client(enforce_csrf_checks=True)
        assert client.login(username=user.username, password=PASSWORD)
        client.get("/")
        return client, user

    return sign_in


def post(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def operations_of(name: str) -> set[str]:
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


def matrix_snapshot() -> dict[str, set[str]]:
    return {role.name: operations_of(role.name) for role in Role.objects.all()}


def token_row(page: str, token: str) -> str:
    return page.split(f'<tr data-token="{token[-4:]}">')[1].split("</tr>")[0]


def checkbox(page: str, value: str) -> str:
    """The attributes of the matrix checkbox with this value."""
    return page.split(f'value="{value}"')[1].split(">")[0]


def test_roles_page_shows_every_operation_for_every_role(page_of: Any) -> None:
    client, _ = page_of("Administrator")
    page = client.get(ROLES_PAGE).content.decode()
    for operation in OPERATIONS:
        assert f'data-operation="{operation.codename}"' in page
        assert escape(operation.label) in page
    ids = {role.name: role.pk for role in Role.objects.all()}
    assert "checked" in checkbox(page, f"{ids['Warehouse']}:stock_receive")
    assert "checked" not in checkbox(page, f"{ids['Warehouse']}:oms_apps_view")
    assert "checked" in checkbox(page, f"{ids['Viewer']}:oms_apps_view")
    assert "checked" not in checkbox(page, f"{ids['Viewer']}:stock_receive")
    assert "disabled" not in checkbox(page, f"{ids['Viewer']}:stock_receive")
    fixed = checkbox(page, f"{ids['Administrator']}:roles_manage")
    assert "checked" in fixed and "disabled" in fixed


def test_saving_the_matrix_changes_what_a_role_may_do(page_of: Any) -> None:
    client, _ = page_of("Administrator")
    viewer_client, _ = page_of("Viewer")
    assert viewer_client.get("/admin/utilities/connected-apps/oms/add/").status_code == 403
    warehouse, viewer = Role.objects.get(name="Warehouse"), Role.objects.get(name="Viewer")
    answer = post(
        client,
        "/admin/security/roles/save/",
        {
            "role": [warehouse.pk, viewer.pk],
            "op": [f"{viewer.pk}:oms_apps_view", f"{viewer.pk}:oms_apps_add"],
        },
    )
    assert answer.status_code == 302
    assert operations_of("Viewer") == {"oms_apps_view", "oms_apps_add"}
    assert operations_of("Warehouse") == set()
    assert operations_of("Administrator") == set(CODENAMES)
    assert viewer_client.get("/admin/utilities/connected-apps/oms/add/").status_code == 200


@pytest.mark.parametrize(
    "forged",
    [
        lambda ids: {"role": [ids["Administrator"]], "op": []},
        lambda ids: {"role": [ids["Viewer"]], "op": [f"{ids['Viewer']}:launch_missiles"]},
        lambda ids: {"role": [ids["Viewer"]], "op": [f"{ids['Warehouse']}:stock_view"]},
        lambda ids: {"role": ["999999"], "op": []},
        lambda ids: {"role": ["x"], "op": []},
        lambda ids: {"role": [ids["Viewer"]], "op": ["nonsense"]},
    ],
)
def test_forged_matrix_changes_nothing(
    page_of: Any, forged: Callable[[dict[str, int]], Any]
) -> None:
    client, _ = page_of("Administrator")
    ids = {role.name: role.pk for role in Role.objects.all()}
    before = matrix_snapshot()
    answer = post(client, "/admin/security/roles/save/", forged(ids))
    assert answer.status_code == 302
    assert "nothing changed" in client.get(ROLES_PAGE).content.decode().lower()
    assert matrix_snapshot() == before


def test_adding_a_role(page_of: Any) -> None:
    client, _ = page_of("Administrator")
    post(client, "/admin/security/roles/add/", {"name": "Auditor"})
    assert Role.objects.filter(name="Auditor").exists() and operations_of("Auditor") == set()
    for bad in ("auditor", "", " ", "a" * 151, "Tab\there"):
        post(client, "/admin/security/roles/add/", {"name": bad})
    assert Role.objects.count() == 4
    assert "Auditor" in client.get(ROLES_PAGE).content.decode()


@pytest.mark.parametrize("role", ["Warehouse", "Viewer"])
def test_roles_and_users_are_refused_without_roles_manage(page_of: Any, role: str) -> None:
    client, user = page_of(role)
    before, users = matrix_snapshot(), User.objects.count()
    assert client.get(ROLES_PAGE).status_code == 403
    assert client.get(USERS_PAGE).status_code == 403
    viewer = Role.objects.get(name="Viewer")
    assert (
        post(
            client,
            "/admin/security/roles/save/",
            {"role": [viewer.pk], "op": [f"{viewer.pk}:roles_manage"]},
        ).status_code
        == 403
    )
    assert post(client, "/admin/security/roles/add/", {"name": "X"}).status_code == 403
    assert (
        post(
            client,
            USERS_PAGE,
            {"username": "mallory", "password": "long-enough-9", "role": "Administrator"},
        ).status_code
        == 403
    )
    assert (
        post(
            client, f"/admin/security/users/{user.pk}/role/", {"role": "Administrator"}
        ).status_code
        == 403
    )
    token = PersonalToken.objects.get(user=user)
    assert client.get(f"/admin/security/users/{user.pk}/").status_code == 403
    assert (
        post(client, f"/admin/security/users/{user.pk}/tokens/{token.pk}/revoke/", {}).status_code
        == 403
    )
    token.refresh_from_db()
    assert token.revoked_at is None
    assert matrix_snapshot() == before and User.objects.count() == users
    assert [g.name for g in user.groups.all()] == [role]
    menu = client.get("/").content.decode()
    assert ROLES_PAGE not in menu and USERS_PAGE not in menu


def test_users_page_creates_and_lists_users(page_of: Any) -> None:
    client, _admin = page_of("Administrator", "boss")
    created = post(
        client, USERS_PAGE, {"username": "frank", "password": "long-enough-9", "role": "Warehouse"}
    )
    assert created.status_code == 302
    frank = User.objects.get(username="frank")
    assert [g.name for g in frank.groups.all()] == ["Warehouse"]
    assert Client().login(username="frank", password="long-enough-9")
    page = client.get(USERS_PAGE).content.decode()
    assert 'data-user="frank"' in page and "created with role Warehouse" in page
    assert "long-enough-9" not in page
    for bad, status in [
        ({"username": "frank"}, 409),
        ({"password": "short"}, 422),
        ({"role": "Boss"}, 422),
        ({"username": ""}, 422),
    ]:
        form = {"username": "gina", "password": "long-enough-9", "role": "Viewer", **bad}
        answer = post(client, USERS_PAGE, form)
        assert answer.status_code == status
        assert "long-enough-9" not in answer.content.decode()
    assert not User.objects.filter(username="gina").exists()
    assert User.objects.count() == 2


def test_changing_a_role_and_deactivating_a_user(page_of: Any, make_user: Any) -> None:
    client, _admin = page_of("Administrator", "boss")
    user, token = make_user("Viewer", "hana")
    hana_page = Client()
    assert hana_page.login(username="hana", password=PASSWORD)
    assert (
        post(client, f"/admin/security/users/{user.pk}/role/", {"role": "Warehouse"}).status_code
        == 302
    )
    assert [g.name for g in user.groups.all()] == ["Warehouse"]
    assert (
        post(client, f"/admin/security/users/{user.pk}/active/", {"active": "0"}).status_code == 302
    )
    user.refresh_from_db()
    assert not user.is_active
    assert_error(ApiClient(token).get("/oms-apps"), 401, "unauthenticated")
    assert hana_page.get("/").status_code == 302, "the session ended"
    post(client, f"/admin/security/users/{user.pk}/active/", {"active": "1"})
    user.refresh_from_db()
    assert user.is_active
    # Reactivating does not bring back what deactivating ended (CONTRACT §10).
    assert_error(ApiClient(token).get("/oms-apps"), 401, "unauthenticated")
    assert hana_page.get("/").status_code == 302, "the old session stays ended"
    assert PersonalToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0
    fresh = Client()
    assert fresh.login(username="hana", password=PASSWORD), "the password still works"
    assert fresh.get("/").status_code == 200


def test_nobody_changes_their_own_role_or_deactivates_themselves(page_of: Any) -> None:
    client, admin = page_of("Administrator", "boss")
    post(client, f"/admin/security/users/{admin.pk}/role/", {"role": "Viewer"})
    post(client, f"/admin/security/users/{admin.pk}/active/", {"active": "0"})
    admin.refresh_from_db()
    assert admin.is_active and [g.name for g in admin.groups.all()] == ["Administrator"]
    page = client.get(USERS_PAGE).content.decode()
    assert "cannot change your own role" in page and "cannot deactivate yourself" in page
    assert post(client, "/admin/security/users/999999/role/", {"role": "Viewer"}).status_code == 404
    assert client.get("/admin/security/users/99999999999999999999/role/").status_code == 405


def test_a_users_page_lists_their_tokens_and_revokes_one(page_of: Any, make_user: Any) -> None:
    client, _admin = page_of("Administrator", "boss")
    hana, first = make_user("Viewer", "hana")
    second = token_create(user=hana)
    _, other = make_user("Viewer", "ivan")
    used = PersonalToken.objects.get(token_hash=token_hash(first))
    assert ApiClient(first).get("/oms-apps").status == 200
    used.refresh_from_db()
    assert used.last_used_at is not None

    assert f'href="/admin/security/users/{hana.pk}/"' in client.get(USERS_PAGE).content.decode()
    page = client.get(f"/admin/security/users/{hana.pk}/").content.decode()
    assert f"…{first[-4:]}" in page and f"…{second[-4:]}" in page
    assert first not in page and second not in page
    assert localtime(used.last_used_at).strftime("%-d %b %Y, %H:%M") in page
    assert page.count("data-confirm=") == 2
    assert "<td>never</td>" in token_row(page, second), "the unused token says so"

    answer = post(client, f"/admin/security/users/{hana.pk}/tokens/{used.pk}/revoke/", {})
    assert answer.status_code == 302
    assert_error(ApiClient(first).get("/oms-apps"), 401, "unauthenticated")
    assert ApiClient(second).get("/oms-apps").status == 200
    page = client.get(f"/admin/security/users/{hana.pk}/").content.decode()
    assert f"Token …{first[-4:]} is revoked." in page and "Revoked" in token_row(page, first)
    assert page.count("data-confirm=") == 1

    ivan_token = PersonalToken.objects.get(token_hash=token_hash(other))
    misdirected = f"/admin/security/users/{hana.pk}/tokens/{ivan_token.pk}/revoke/"
    assert post(client, misdirected, {}).status_code == 404, "the token is not hana's"
    assert ApiClient(other).get("/oms-apps").status == 200
    assert client.get("/admin/security/users/999999/").status_code == 404
    assert (
        client.get(f"/admin/security/users/{hana.pk}/tokens/{used.pk}/revoke/").status_code == 405
    )
