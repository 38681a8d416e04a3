"""Write the change log for every save and delete of a ChangeLoggedModel, whoever makes it."""

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import ChangeLogged, ObjectChange


def _is_logged(sender: type) -> bool:
    return issubclass(sender, ChangeLogged)


@receiver(pre_save)
def remember_prechange(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not _is_logged(sender) or hasattr(instance, "_prechange_snapshot"):
        return  # the caller already knows the stored state (bulk import), or this is not master data
    stored = None
    if instance.pk is not None:
        stored = sender._base_manager.filter(pk=instance.pk).first()
    instance._prechange_snapshot = stored.snapshot() if stored is not None else None


@receiver(post_save)
def log_save(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not _is_logged(sender):
        return
    before = instance.__dict__.pop("_prechange_snapshot", None)
    after = instance.snapshot()
    if before == after:
        return  # a save that changed nothing is not a change
    action = ObjectChange.Action.CREATE if before is None else ObjectChange.Action.UPDATE
    ObjectChange.build(instance, action, before, after).save()


@receiver(post_delete)
def log_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    if _is_logged(sender):
        ObjectChange.build(instance, ObjectChange.Action.DELETE, instance.snapshot(), None).save()
