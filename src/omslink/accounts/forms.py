"""The sign-in and password-change forms, whose password checks share one throttle per user name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from omslink.accounts import services
from omslink.core.errors import RateLimited

Checked = TypeVar("Checked")


class PasswordThrottled:
    """A form whose password check is counted by the sign-in throttle first.

    Wrong current passwords on the change form count as failed sign-ins of that user name, so
    a stolen session guesses no faster than the sign-in page allows, and the two together get
    ten guesses, not twenty. `refusal` is set when the throttle refused, for the page's 429.
    """

    refusal: RateLimited | None = None

    def throttled(self, username: str, check: Callable[[], Checked]) -> Checked:
        try:
            attempt = services.sign_in_claim(username=username)
        except RateLimited as refusal:
            self.refusal = refusal
            raise ValidationError(refusal.message, code="throttled") from refusal
        try:
            checked = check()
        except ValidationError:
            services.sign_in_settle(attempt_id=attempt, succeeded=False)
            raise
        services.sign_in_settle(attempt_id=attempt, succeeded=True)
        return checked


class ThrottledAuthenticationForm(PasswordThrottled, AuthenticationForm):
    """Django's sign-in form, with every password check counted by the throttle first."""

    @sensitive_variables("password")
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()
        return self.throttled(username, super().clean)


class ThrottledPasswordChangeForm(PasswordThrottled, PasswordChangeForm):
    """Django's password-change form, with the current password's check throttled."""

    @sensitive_variables()
    def clean_old_password(self) -> str:
        return self.throttled(self.user.get_username(), super().clean_old_password)
