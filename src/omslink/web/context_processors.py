"""What every page template needs to know about the signed-in user's role."""

from __future__ import annotations

from django.http import HttpRequest

from omslink.core.operations import CODENAMES, permission_name
from omslink.web.navigation import menu


def operations(request: HttpRequest) -> dict[str, object]:
    """Expose `can.<operation>` so templates show only the buttons a role may use, and the menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can": {}, "menu": menu({})}
    can = {codename: user.has_perm(permission_name(codename)) for codename in CODENAMES}
    return {"can": can, "menu": menu(can)}
