"""Users, their roles and their personal tokens."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.contrib.auth.models import Group, Permission, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone

from omslink.accounts.models import (
    PersonalToken,
    Role,
    SignInAttempt,
    SignInThrottle,
    UserSession,
)
from omslink.core.crypto import PERSONAL_TOKEN_PREFIX, new_token, token_hash
from omslink.core.errors import Conflict, Forbidden, RateLimited, ValidationFailed
from omslink.core.operations import ADMINISTRATOR, CODENAMES
from omslink.core.transactions import transactional

USERNAME_MAX = 150
SIGN_IN_FAILURES_LIMIT = 10
SIGN_IN_WINDOW = timedelta(minutes=15)
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


@transactional
def user_set_role(*, user: User, role: str, by: User) -> User:
    """Give a user another role; nobody changes their own, so nobody locks themselves out."""
    if user.pk == by.pk:
        raise Forbidden("You cannot change your own role; ask another user who manages roles.")
    user.groups.set([_role(role)])
    return user


@transactional
def user_set_active(*, user: User, active: bool, by: User) -> User:
    """Deactivate rather than delete, so audit trails keep naming the user.

    Deactivating revokes their personal tokens and deletes their sessions, so reactivating
    (CONTRACT §10) gives back only the password: no old token or browser gets in again.
    """
    if user.pk == by.pk and not active:
        raise Forbidden("You cannot deactivate yourself.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        _tokens_revoke(user)
        _sessions_end(user)
    return user


@transactional
def password_change(*, user: User, new_password: str, keep_session: str | None) -> None:
    """Set a user's own password and end their other sessions (CONTRACT §10).

    The session `keep_session` names (the one making the change) stays signed in; personal
    tokens are not passwords and keep working.
    """
    try:
        validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed.for_field("new_password", " ".join(exc.messages)) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _sessions_end(user, keep=keep_session)


def _tokens_revoke(user: User) -> int:
    return PersonalToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _sessions_end(user: User, *, keep: str | None = None) -> None:
    """Delete the user's sessions but `keep`; a request still running on one cannot save it
    back, since Django saves an existing session by UPDATE only."""
    UserSession.objects.filter(user=user).exclude(session_key=keep or "").delete()


@transactional
def token_create(*, user: User) -> str:
    """Issue a personal token; the plaintext is returned once and never stored."""
    token = new_token(PERSONAL_TOKEN_PREFIX)
    PersonalToken.objects.create(user=user, token_hash=token_hash(token), last4=token[-4:])
    return token


@transactional
def tokens_revoke(*, user: User) -> int:
    """Revoke every live personal token of a user, active or not; return how many."""
    return _tokens_revoke(user)


@transactional
def token_revoke(*, token: PersonalToken) -> PersonalToken:
    """Revoke one personal token of a user; revoking it again changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def _sign_in_refused(until: datetime, now: datetime) -> RateLimited:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    minutes = math.ceil(seconds / 60)
    return RateLimited(
        "Too many wrong passwords for this user name. "
        f"Try again in {minutes} minute{'' if minutes == 1 else 's'}.",
        headers={"Retry-After": str(seconds)},
    )


@transactional
def sign_in_claim(*, username: str) -> int:
    """Count a sign-in attempt before its password is checked; return its id for settling.

    Refused (429) while the user name is locked, or while its recent failures and the checks
    still running already make the limit, so parallel guesses get no more than ten checks.
    """
    now = timezone.now()
    key = username.casefold()[:USERNAME_MAX]
    SignInThrottle.objects.bulk_create(
        [SignInThrottle(username_key=key, updated_at=now)], ignore_conflicts=True
    )
    throttle = SignInThrottle.objects.select_for_update().get(username_key=key)
    if throttle.locked_until is not None and throttle.locked_until > now:
        raise _sign_in_refused(throttle.locked_until, now)
    recent = list(
        throttle.attempts.filter(at__gt=now - SIGN_IN_WINDOW).values_list("at", flat=True)
    )
    if len(recent) >= SIGN_IN_FAILURES_LIMIT:
        raise _sign_in_refused(min(recent) + SIGN_IN_WINDOW, now)
    throttle.updated_at = now
    throttle.save(update_fields=["updated_at"])
    return SignInAttempt.objects.create(throttle=throttle, at=now).pk


@transactional
def sign_in_settle(*, attempt_id: int, succeeded: bool) -> None:
    """Record how a claimed attempt ended; the tenth failure in the window locks the user name
    for the next fifteen minutes (CONTRACT §10)."""
    if succeeded:
        SignInAttempt.objects.filter(pk=attempt_id).delete()
        return
    now = timezone.now()
    throttle = (
        SignInThrottle.objects.select_for_update(of=("self",))
        .filter(attempts__pk=attempt_id)
        .first()
    )
    if throttle is None:  # forgotten meanwhile: the check took longer than the window
        return
    SignInAttempt.objects.filter(pk=attempt_id).update(failed=True)
    failures = throttle.attempts.filter(failed=True, at__gt=now - SIGN_IN_WINDOW).count()
    locked = throttle.locked_until is not None and throttle.locked_until > now
    if failures >= SIGN_IN_FAILURES_LIMIT and not locked:
        throttle.locked_until = now + SIGN_IN_WINDOW
    throttle.updated_at = now
    throttle.save(update_fields=["locked_until", "updated_at"])
    throttle.attempts.filter(at__lte=now - SIGN_IN_WINDOW).delete()
    # A user name untouched for a window has no lock in force and no attempt that counts.
    SignInThrottle.objects.filter(updated_at__lte=now - SIGN_IN_WINDOW).delete()


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
