from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


def _attempt_key(request: HttpRequest) -> str:
    return f"login-attempts:{request.META.get('REMOTE_ADDR', '?')}"


class ThrottledLoginView(auth_views.LoginView):
    """The sign-in form is public: after too many failed attempts from one address, refuse for a while."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if cache.get(_attempt_key(request), 0) >= settings.LOGIN_MAX_FAILURES:
            return HttpResponse(_("Too many failed sign-in attempts; try again later."), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        key = _attempt_key(self.request)
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
        cache.incr(key)
        return super().form_invalid(form)
