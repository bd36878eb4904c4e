from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from omslink.api import api
from omslink.core.errors import NotFound
from omslink.core.middleware import error_response


@csrf_exempt  # API clients carry a token, not a CSRF cookie: every method gets this 404
def api_route_not_found(request: HttpRequest) -> HttpResponse:
    return error_response(NotFound(f"No API route at {request.path}."))


def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and `omslink up`: answers once the process serves requests."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/", api_route_not_found),
    path("healthz", health),
    path("", include("omslink.web.urls")),
    path("admin/security/", include("omslink.accounts.urls")),
    path("admin/utilities/connected-apps/", include("omslink.connected_apps.urls")),
    path("masters/", include("omslink.masters.urls")),
    path("orders/", include("omslink.orders.urls")),
    path("stock/", include("omslink.inventory.urls")),
    path("wholesale/", include("omslink.wholesale.urls")),
    path("picklists/", include("omslink.fulfilment.urls")),
    path("returns/", include("omslink.returns.urls")),
    path("webhooks/", include("omslink.webhooks.urls")),
    path("imports/", include("omslink.spreadsheets.urls")),
]
