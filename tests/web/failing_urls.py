"""The real URLs plus one view that fails, to see the 500 page as a user would."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from omslink.urls import urlpatterns as real_urlpatterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, on purpose")


urlpatterns = [path("failing-page/", fail), *real_urlpatterns]
