"""Read users as the Users page names them."""

from __future__ import annotations

from django.contrib.auth.models import User

from omslink.core.ids import row_by_id


def user_by_id(user_id: int) -> User:
    """The user a page's URL names; 404 when there is none."""
    return row_by_id(User.objects.all(), user_id, what="user")
