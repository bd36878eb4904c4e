"""The session engine: Django's database sessions, each row stamped with its user's id."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from omslink.accounts.models import UserSession


class SessionStore(DatabaseSessionStore):
    """Store sessions in `UserSession`, whose `user` column lets a service end them all."""

    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> UserSession:
        session = cast(UserSession, super().create_model_instance(data))
        user_id = data.get(SESSION_KEY)
        session.user_id = int(user_id) if isinstance(user_id, str) and user_id.isdigit() else None
        return session
