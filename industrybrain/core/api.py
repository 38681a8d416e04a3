"""Shared REST API building blocks: pagination, scoped viewsets, the write permission."""

from typing import Any

from rest_framework import permissions
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


class CanEditMasterData(permissions.BasePermission):
    """Everyone signed in may read what they can see; administrators and analysts may write."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.can_edit_master_data)


class ScopedQuerysetMixin:
    """Every API list and detail starts from the restricted queryset: what the user may see, nothing else."""

    queryset: Any

    def get_queryset(self) -> Any:
        return super().get_queryset().visible_to(self.request.user)  # type: ignore[misc]
