"""Read users and their personal tokens as the Users pages and the command line name them."""

from __future__ import annotations

from django.contrib.auth.models import User

from omslink.accounts.models import PersonalToken
from omslink.core.ids import one_row, row_by_id


def user_by_id(user_id: int) -> User:
    """The user a page's address names, with their role; 404 when there is none."""
    return row_by_id(User.objects.prefetch_related("groups"), user_id, what="user")


def user_by_username(username: str, *, active_only: bool = False) -> User:
    """The user the command line names; with `active_only`, a deactivated one is not found."""
    users = User.objects.filter(username=username)
    if active_only:
        users = users.filter(is_active=True)
    return one_row(users, what=f"{'active ' if active_only else ''}user named {username!r}")


def token_of_user(user: User, token_id: int) -> PersonalToken:
    """One of the user's personal tokens; another user's is as unknown as a missing one."""
    return row_by_id(user.personal_tokens.all(), token_id, what="token")
