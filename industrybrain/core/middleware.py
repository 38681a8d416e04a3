from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import change_context


class ChangeContextMiddleware:
    """Attribute changes made while serving a request to the signed-in user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = "api" if request.path.startswith(("/api/", "/open311/")) else "web"
        with change_context(source=source, request=request):
            return self.get_response(request)
