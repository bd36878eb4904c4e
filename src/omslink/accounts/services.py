"""Users, their roles and their personal tokens."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone

from omslink.accounts.models import PersonalToken, Role
from omslink.core.crypto import PERSONAL_TOKEN_PREFIX, new_token, token_hash
from omslink.core.errors import Conflict, NotFound, ValidationFailed
from omslink.core.operations import BUILT_IN_ROLES, CODENAMES
from omslink.core.transactions import transactional

USERNAME_MAX = 150


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


@transactional
def user_set_role(*, user: User, role: str) -> User:
    user.groups.set([_role(role)])
    return user


@transactional
def user_set_active(*, user: User, active: bool) -> User:
    """Deactivate rather than delete, so audit trails keep naming the user."""
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


def user_role_name(user: User) -> str | None:
    role = user.groups.order_by("name").first()
    return role.name if role else None


@transactional
def token_create(*, username: str) -> str:
    """Issue a personal token; the plaintext is returned once and never stored."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(f"No active user named {username!r}.")
    token = new_token(PERSONAL_TOKEN_PREFIX)
    PersonalToken.objects.create(user=user, token_hash=token_hash(token), last4=token[-4:])
    return token


@transactional
def token_revoke(*, token_id: int, user: User) -> None:
    updated = PersonalToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise NotFound("No such token.")


@transactional
def role_set_operations(*, role: Group, codenames: set[str]) -> Group:
    """Give a role exactly these operations."""
    unknown = codenames - CODENAMES
    if unknown:
        raise ValidationFailed.for_field("operations", f"unknown: {', '.join(sorted(unknown))}")
    role.permissions.set(
        Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
    )
    return role


@transactional
def built_in_roles_restore() -> None:
    """Recreate any missing built-in role with its operations, leaving existing roles alone.

    The first migration creates them; a database flushed between transactional tests loses them.
    """
    for name, codenames in BUILT_IN_ROLES.items():
        role, created = Role.objects.get_or_create(name=name)
        if created:
            role.permissions.set(Permission.objects.filter(
                content_type__app_label="accounts", codename__in=codenames
            ))
