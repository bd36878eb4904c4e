"""Roles, users and personal tokens.

A role is a Django group and an operation is a Django permission (CONTRACT §8), so the
framework's own `user.has_perm` answers every permission question.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models

from omslink.core.operations import OPERATIONS


class Role(Group):
    """A named set of operations; each user has exactly one role."""

    class Meta:
        proxy = True
        default_permissions = ()
        permissions = [(op.codename, f"{op.feature}: {op.label}") for op in OPERATIONS]


class PersonalToken(models.Model):
    """A user's bearer token for the staff API; only its SHA-256 is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token …{self.last4} of {self.user_id}"


class UserSession(AbstractBaseSession):
    """A signed-in browser session that knows its user, so a user's sessions can be ended.

    Django's own session table keeps only encoded data; ending every session of one user
    (deactivation, a password change) would mean decoding them all.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="sessions"
    )

    @classmethod
    def get_session_store_class(cls) -> type:
        from omslink.accounts.sessions import SessionStore

        return SessionStore


class SignInThrottle(models.Model):
    """Sign-in attempts for one user name, compared case-insensitively (CONTRACT §10).

    It lives in the database, not in a process, so every server process counts the same
    attempts; its row is the lock that makes counting them race-safe.
    """

    username_key = models.CharField(max_length=150, unique=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"sign-in throttle of {self.username_key!r}"


class SignInAttempt(models.Model):
    """One password check: counted from before it runs, so parallel guesses cannot overrun the
    limit; a successful one is deleted, a failed one stays until it leaves the window."""

    throttle = models.ForeignKey(SignInThrottle, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    failed = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["throttle", "at"])]

    def __str__(self) -> str:
        return f"sign-in attempt {self.pk} ({'failed' if self.failed else 'running'})"
