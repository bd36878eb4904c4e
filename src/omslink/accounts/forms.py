"""The sign-in form, throttled per user name (CONTRACT §10)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from omslink.accounts import services
from omslink.core.errors import RateLimited


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, with every password check counted by the throttle first."""

    refusal: RateLimited | None = None

    @sensitive_variables("password")
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()
        try:
            attempt = services.sign_in_claim(username=username)
        except RateLimited as refusal:
            self.refusal = refusal
            raise ValidationError(refusal.message, code="throttled") from refusal
        try:
            cleaned = super().clean()
        except ValidationError:
            services.sign_in_settle(attempt_id=attempt, succeeded=False)
            raise
        services.sign_in_settle(attempt_id=attempt, succeeded=True)
        return cleaned
