"""Helpers shared by the registry's management commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from industrybrain.accounts.models import User


def acting_user(username: str | None) -> User:
    """CLI changes are made as a named user, so the change log and the scope rules apply as in the UI.
    Without --user the command acts as the first superuser (the operator of the installation)."""
    if username:
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"no active user named {username!r}") from exc
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError("no superuser exists: create one with `industrybrain createsuperuser` or pass --user")
    return user
