"""Users, their roles and their personal tokens."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.contrib.auth.models import Group, Permission, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet

from omslink.accounts.models import PersonalToken, Role
from omslink.core.crypto import PERSONAL_TOKEN_PREFIX, new_token, token_hash
from omslink.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from omslink.core.ids import row_by_id
from omslink.core.operations import ADMINISTRATOR, BUILT_IN_ROLES, CODENAMES
from omslink.core.transactions import transactional

USERNAME_MAX = 150
ROLE_NAME_MAX = 150


def _role(name: str) -> Group:
    role = Role.objects.filter(name=name).first()
    if role is None:
        known = ", ".join(Role.objects.order_by("name").values_list("name", flat=True))
        raise ValidationFailed.for_field("role", f"unknown role {name!r}; roles: {known}")
    return role


@transactional
def user_create(*, username: str, password: str, role: str) -> User:
    """Create a user with exactly one role."""
    if not username or len(username) > USERNAME_MAX or not username.isprintable():
        raise ValidationFailed.for_field(
            "username", f"must be 1 to {USERNAME_MAX} printable characters"
        )
    if User.objects.filter(username=username).exists():
        raise Conflict(f"A user named {username!r} exists already.")
    try:
        validate_password(password)
    except DjangoValidationError as exc:
        raise ValidationFailed.for_field("password", " ".join(exc.messages)) from exc
    user_role = _role(role)
    user = User.objects.create_user(username=username, password=password)
    user.groups.set([user_role])
    return user


def _user(user_id: int) -> User:
    return row_by_id(User.objects.all(), user_id, what="user")


@transactional
def user_set_role(*, user_id: int, role: str, by: User) -> User:
    """Give a user another role; nobody changes their own, so nobody locks themselves out."""
    user = _user(user_id)
    if user.pk == by.pk:
        raise Forbidden("You cannot change your own role; ask another user who manages roles.")
    user.groups.set([_role(role)])
    return user


@transactional
def user_set_active(*, user_id: int, active: bool, by: User) -> User:
    """Deactivate rather than delete, so audit trails keep naming the user; their tokens and
    sessions stop working at once."""
    user = _user(user_id)
    if user.pk == by.pk and not active:
        raise Forbidden("You cannot deactivate yourself.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


@transactional
def token_create(*, username: str) -> str:
    """Issue a personal token; the plaintext is returned once and never stored."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(f"No active user named {username!r}.")
    token = new_token(PERSONAL_TOKEN_PREFIX)
    PersonalToken.objects.create(user=user, token_hash=token_hash(token), last4=token[-4:])
    return token


def _operations(codenames: Iterable[str]) -> QuerySet[Permission]:
    return Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)


@transactional
def role_create(*, name: str) -> Group:
    """Add a role with no operations; the Roles matrix then gives it some."""
    if not name or len(name) > ROLE_NAME_MAX or name != name.strip() or not name.isprintable():
        raise ValidationFailed.for_field(
            "name", f"must be 1 to {ROLE_NAME_MAX} printable characters without outer spaces"
        )
    if Role.objects.filter(name__iexact=name).exists():
        raise Conflict(f"A role named {name!r} exists already.")
    return Role.objects.create(name=name)


@transactional
def roles_set_operations(*, operations: Mapping[int, set[str]]) -> None:
    """Save the Roles matrix: each role named gets exactly these operations.

    Administrator keeps every operation, so someone can always manage roles and users.
    """
    unknown = set().union(*operations.values()) - CODENAMES if operations else set()
    if unknown:
        raise ValidationFailed.for_field("operations", f"unknown: {', '.join(sorted(unknown))}")
    roles = {role.pk: role for role in Role.objects.filter(pk__in=list(operations))}
    missing = set(operations) - set(roles)
    if missing:
        raise ValidationFailed.for_field("roles", f"unknown role ids: {sorted(missing)}")
    for role_id, codenames in operations.items():
        role = roles[role_id]
        if role.name == ADMINISTRATOR:
            if codenames != CODENAMES:
                raise ValidationFailed.for_field(
                    "roles", "Administrator always has every operation"
                )
            continue
        role.permissions.set(_operations(codenames))


@transactional
def built_in_roles_restore() -> None:
    """Recreate any missing built-in role with its operations, leaving existing roles alone.

    The first migration creates them; a database flushed between transactional tests loses them.
    """
    for name, codenames in BUILT_IN_ROLES.items():
        role, created = Role.objects.get_or_create(name=name)
        if created:
            role.permissions.set(_operations(codenames))


COMMAND_LINE_USER = "command-line"


def command_line_user() -> User:
    """The user that records made by `omslink` commands are attributed to (e.g. stock receipts).

    Inactive with no usable password: nobody can sign in as it; it only names the source.
    """
    user, created = User.objects.get_or_create(
        username=COMMAND_LINE_USER, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
