"""Enterprise requests (企业码 直通服务) and everything that happens to them.

A `ServiceRequest` moves through the statuses of `choices.Status` only by the actions of `transitions.TABLE`,
each recorded as an immutable `Event`. Departments take part through `Part`s (one lead, any assisting);
deadlines are working-day moments (`workdays`), stopped while the request waits for the enterprise and moved
by approved `Extension`s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department
from industrybrain.core.models import ChangeLoggedModel, RestrictedQuerySet
from industrybrain.registry.models import Enterprise, Region

from .choices import (
    Action,
    CategoryGroup,
    Channel,
    Complexity,
    ExtensionStatus,
    Level,
    PartRole,
    Satisfaction,
    Status,
)


class Category(ChangeLoggedModel):
    """A kind of request, e.g. 出口退税 under trade services, with its own attributes and time limits."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    group = models.CharField(_("group"), max_length=20, choices=CategoryGroup.choices)
    description = models.TextField(_("description"), blank=True)
    complexity = models.CharField(
        _("default complexity"), max_length=10, choices=Complexity.choices, default=Complexity.ORDINARY
    )
    # Open311-style attributes: [{"code", "name", "datatype": string|number|datetime|text|singlevaluelist|
    # multivaluelist, "required", "values": [{"key", "name"}]}]
    attributes = models.JSONField(_("attributes"), default=list, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["group", "code"]
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")

    def __str__(self) -> str:
        return self.name


class DeadlineRule(ChangeLoggedModel):
    """Working days allowed per complexity (READ: simple 1, complex 3 — 惠企政策信息平台; ordinary 5 — 海曙)."""

    complexity = models.CharField(_("complexity"), max_length=10, choices=Complexity.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(_("working days to close"))
    sign_working_days = models.PositiveSmallIntegerField(_("working days to sign"), default=1)

    class Meta:
        ordering = ["working_days"]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")

    def __str__(self) -> str:
        return f"{self.get_complexity_display()}: {self.working_days}"


class Routing(ChangeLoggedModel):
    """The department that leads a category's requests in a region (county, city or province)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routings")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="routings")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "region"], name="routing_category_region")]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.category} @ {self.region}: {self.department}"

    def clean(self) -> None:
        if self.department_id and self.region_id and self.department.region_id != self.region_id:
            raise ValidationError({"department": _("The department must belong to the region.")})

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        return None if user.scope_path is None else Q(region__path__startswith=user.scope_path)


class ServiceRequestQuerySet(RestrictedQuerySet):
    def open(self) -> ServiceRequestQuerySet:
        return self.filter(status__in=[Status.RECEIVED, Status.DISPATCHED, Status.HANDLING, Status.SUSPENDED,
                                       Status.ANSWERED])  # fmt: skip


class ServiceRequest(models.Model):
    """One problem an enterprise raised, from receipt to rating."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="service_requests")
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The county whose desk received the request."),
    )  # fmt: skip
    level = models.CharField(_("handled at"), max_length=10, choices=Level.choices, default=Level.COUNTY)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="requests"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    complexity = models.CharField(_("complexity"), max_length=10, choices=Complexity.choices)
    lead_department = models.ForeignKey(
        Department, verbose_name=_("lead department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="led_requests",
    )  # fmt: skip
    created = models.DateTimeField(_("received"), db_index=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    sign_deadline = models.DateTimeField(_("sign by"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    suspended_at = models.DateTimeField(_("suspended since"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    suspended_days = models.PositiveSmallIntegerField(_("working days suspended"), default=0)
    extended_days = models.PositiveSmallIntegerField(_("working days of extension"), default=0)
    returned_count = models.PositiveSmallIntegerField(_("times returned"), default=0)
    transferred_count = models.PositiveSmallIntegerField(_("times transferred"), default=0)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    escalated_count = models.PositiveSmallIntegerField(_("times escalated"), default=0)
    warned_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(_("referred as overdue"), null=True, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["lead_department", "status"])]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        """Enterprises see their own requests; clerks their department's (lead or assisting) and those they
        registered; supervisors, administrators and analysts their region's subtree."""
        if user.role == Role.ENTERPRISE:
            return Q(enterprise_id=user.enterprise_id) if user.enterprise_id else Q(pk__in=[])
        if user.role == Role.CLERK:
            if not user.department_id:
                return Q(pk__in=[])
            # A subquery, not a join: a lead department also has a part, and a join would list the request twice.
            parts = Part.objects.filter(department_id=user.department_id).values("request_id")
            return Q(lead_department_id=user.department_id) | Q(pk__in=parts) | Q(registered_by_id=user.pk)
        if user.scope_path is None or user.scope_park_id:
            return Q(pk__in=[])
        return Q(region__path__startswith=user.scope_path)

    @property
    def handling_region(self) -> Region:
        """The region whose desk holds the request now: the county, or its city or province once escalated."""
        region = self.region
        steps = {Level.COUNTY: 0, Level.CITY: 1, Level.PROVINCE: 2}[Level(self.level)]
        for _step in range(steps):
            region = region.parent or region
        return region

    @property
    def is_open(self) -> bool:
        return self.status in (Status.RECEIVED, Status.DISPATCHED, Status.HANDLING, Status.SUSPENDED, Status.ANSWERED)

    def is_overdue(self, now: Any) -> bool:
        """Answered after its deadline, or still unanswered past it (a suspended request's clock stopped
        when it was suspended)."""
        if self.deadline is None or self.status == Status.MERGED:
            return False
        if self.answered_at is not None:
            return self.answered_at > self.deadline
        if self.status == Status.SUSPENDED and self.suspended_at is not None:
            return self.suspended_at > self.deadline
        return now > self.deadline


class Part(models.Model):
    """A department's share of a request: the lead, or an assisting department with its own part to do."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="parts")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="parts")
    role = models.CharField(_("role"), max_length=10, choices=PartRole.choices)
    task = models.CharField(_("its part"), max_length=200, blank=True)
    result = models.TextField(_("result"), blank=True)
    assigned_at = models.DateTimeField(_("assigned"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["role", "assigned_at"]
        constraints = [
            models.UniqueConstraint(fields=["request", "department"], name="part_request_department"),
        ]
        verbose_name = _("part")
        verbose_name_plural = _("parts")

    def __str__(self) -> str:
        return f"{self.request.number}: {self.department} ({self.get_role_display()})"


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("the timeline is immutable")

    def delete(self) -> Any:
        raise TypeError("the timeline is immutable")


class Event(models.Model):
    """One thing that happened to a request. Written once, never changed or deleted."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="events")
    time = models.DateTimeField(_("time"), db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["time", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("timeline")

    def __str__(self) -> str:
        return f"{self.request_id} {self.action} {self.time:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("the timeline is immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the timeline is immutable")


class Extension(models.Model):
    """A lead department's request for more working days, decided by a supervisor."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="extensions")
    working_days = models.PositiveSmallIntegerField(_("working days"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self) -> str:
        return f"{self.request_id} +{self.working_days} ({self.status})"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"servicedesk/{instance.request.number}/{Path(filename).name}"


class Attachment(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class CalendarOverride(ChangeLoggedModel):
    """A date the official calendar package does not know yet (or gets wrong): a working day or a day off."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        return f"{self.date}: {'workday' if self.is_workday else 'day off'}"
