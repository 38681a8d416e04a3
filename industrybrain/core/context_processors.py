from typing import Any

from django.http import HttpRequest


def scope(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's scope, named in the page header so that everyone knows what they are looking at."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    label = user.scope_park or user.scope_region or user.enterprise or ""
    return {"scope_label": str(label)}
