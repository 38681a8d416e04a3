"""Forms of the service-desk pages: the queue's filters, filing a request with its category's attributes, one
small form per action on a request (each calls its operation), and the board's period.

Forms only collect and check input; every change is made by `operations`, whose refusals the views show on
the form that caused them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department
from industrybrain.registry.models import Enterprise

from . import operations as ops
from .attachments import check_file
from .choices import Action, Channel, Complexity, Satisfaction, Status
from .metrics import GROUPINGS
from .models import Category, ServiceRequest

REGISTRAR_CHANNELS = (Channel.PHONE, Channel.HOTLINE, Channel.VISIT)
ASSIST_ROWS = 3  # assisting departments offered on the dispatch form


def localized_name(item: dict[str, Any] | Category) -> str:
    """A category's or attribute's name in the page's language (the English name where there is one)."""
    get = item.get if isinstance(item, dict) else lambda key, default="": getattr(item, key, default)
    english = get("name_en", "") if (translation.get_language() or "").startswith("en") else ""
    return english or get("name", "")


def may_file(user: Any) -> bool:
    """Enterprises file for themselves; clerks, supervisors and administrators register for their region's."""
    if user.is_superuser:
        return True
    if user.role == Role.ENTERPRISE:
        return bool(user.enterprise_id)
    return user.role in (Role.CLERK, Role.SUPERVISOR, Role.ADMINISTRATOR) and user.scope_path is not None


def add_operation_error(form: forms.Form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """An operation's refusal on the form: keyed messages on the field they name (if the form has it)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, messages in error.message_dict.items():
        field = (fields or {}).get(key, key)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


# --- the queue ---------------------------------------------------------------------------------------------
class QueueFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Number, title or enterprise"), required=False, max_length=100)
    status = forms.ChoiceField(label=gettext_lazy("Request status"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    department = forms.ChoiceField(label=gettext_lazy("Lead department"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), ("open", _("Open")), *Status.choices]
        self.fields["category"].choices = [("", _("All"))] + [
            (c.code, localized_name(c)) for c in Category.objects.all()
        ]
        if user.role == Role.ENTERPRISE:
            del self.fields["department"]
        else:
            departments = Department.objects.visible_to(user).order_by("region_id", "code")
            self.fields["department"].choices = [("", _("All"))] + [(d.code, d.name) for d in departments]


# --- filing ------------------------------------------------------------------------------------------------
class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented recipe); cleans to a list, possibly empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def check_upload(upload: Any) -> None:
    """The attachment checks (type, size, content), before anything is written."""
    try:
        check_file(upload)
    except ValidationError as exc:
        raise ValidationError(f"{upload.name}: {' '.join(exc.messages)}") from exc


def attribute_field(attribute: dict[str, Any]) -> forms.Field:
    """A form field for one of a category's Open311-style attribute definitions."""
    options = {"label": localized_name(attribute) or attribute["code"], "required": bool(attribute.get("required"))}
    values = [(str(v["key"]), localized_name(v) or str(v["key"])) for v in attribute.get("values", [])]
    kind = attribute.get("datatype", "string")
    if kind == "number":
        return forms.FloatField(**options)
    if kind == "text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **options)
    if kind == "singlevaluelist":
        return forms.ChoiceField(choices=[("", "—"), *values], **options)
    if kind == "multivaluelist":
        return forms.MultipleChoiceField(choices=values, widget=forms.CheckboxSelectMultiple, **options)
    if kind == "datetime":
        return forms.CharField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **options)
    return forms.CharField(max_length=500, **options)


class NewRequestForm(forms.Form):
    """A request for one category; its attributes become fields named `attr_<code>`."""

    uscc = forms.CharField(label=gettext_lazy("Enterprise (unified social credit code)"), max_length=18)
    channel = forms.ChoiceField(
        label=gettext_lazy("Received by"), choices=[(c.value, c.label) for c in REGISTRAR_CHANNELS]
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    description = forms.CharField(label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 6}))
    contact_name = forms.CharField(label=gettext_lazy("Contact"), max_length=50, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), max_length=30, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    attachments = MultipleFileField(label=gettext_lazy("Attachments"), required=False)

    def __init__(self, user: Any, category: Category, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.category = user, category
        if user.role == Role.ENTERPRISE:  # files for itself, through the web form
            del self.fields["uscc"], self.fields["channel"]
        for attribute in category.attributes:
            self.fields[f"attr_{attribute['code']}"] = attribute_field(attribute)

    @property
    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("attr_")]

    @property
    def plain_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("attr_") and name != "attachments"]

    def clean_uscc(self) -> Enterprise:
        code = self.cleaned_data["uscc"].strip().upper()
        enterprise = Enterprise.objects.visible_to(self.user).select_related("region").filter(uscc=code).first()
        if enterprise is None or not ops.may_file_for(self.user, enterprise):
            raise ValidationError(_("No enterprise of your region has this code."))
        return enterprise

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data["attachments"]
        for upload in files:
            check_upload(upload)
        return files

    def new_request(self) -> ops.NewRequest:
        data = self.cleaned_data
        attributes = {name.removeprefix("attr_"): data[name] for name in self.fields if name.startswith("attr_")}
        return ops.NewRequest(
            enterprise=data["uscc"] if "uscc" in self.fields else self.user.enterprise,
            category=self.category, title=data["title"], description=data["description"],
            channel=data.get("channel") or Channel.WEB, attributes=attributes, contact_name=data["contact_name"],
            contact_phone=data["contact_phone"], address=data["address"],
        )  # fmt: skip

    def operation_error(self, error: ValidationError) -> None:
        codes = {a["code"]: f"attr_{a['code']}" for a in self.category.attributes}
        add_operation_error(self, error, {**codes, "enterprise": "uscc"})


# --- actions on a request ----------------------------------------------------------------------------------
def _text(label: str, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": 2}))


class ActionForm(forms.Form):
    """One action's form; `perform` calls the operation. Prefixed by the action, so that fields of several
    forms on the page have distinct ids."""

    action = ""
    title = ""
    multipart = False

    def __init__(self, service_request: ServiceRequest, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix=self.action, **kwargs)
        self.request, self.user = service_request, user

    def departments(self) -> list[tuple[str, str]]:
        found = Department.objects.filter(region=self.request.handling_region).order_by("code")
        return [(d.code, d.name) for d in found]

    def department(self, code: str) -> Department:
        return Department.objects.get(code=code)

    def perform(self) -> None:
        raise NotImplementedError


class DispatchForm(ActionForm):
    action, title = Action.DISPATCH.value, gettext_lazy("Dispatch")
    lead = forms.ChoiceField(label=gettext_lazy("Lead department"))
    complexity = forms.ChoiceField(label=gettext_lazy("Complexity"), choices=Complexity.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = self.departments()
        self.fields["lead"].choices = choices
        self.fields["complexity"].initial = self.request.complexity
        for n in range(1, ASSIST_ROWS + 1):
            self.fields[f"assist_{n}"] = forms.ChoiceField(
                label=_("Assisting department %(n)d") % {"n": n}, required=False, choices=[("", "—"), *choices]
            )
            self.fields[f"task_{n}"] = forms.CharField(label=_("Its part"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for n in range(1, ASSIST_ROWS + 1):
            if data.get(f"task_{n}") and not data.get(f"assist_{n}"):
                self.add_error(f"assist_{n}", _("Choose the department for this part."))
        return data

    def perform(self) -> None:
        data = self.cleaned_data
        assisting = [
            (self.department(data[f"assist_{n}"]), data[f"task_{n}"])
            for n in range(1, ASSIST_ROWS + 1)
            if data.get(f"assist_{n}")
        ]
        ops.dispatch(self.request, self.user, self.department(data["lead"]), assisting, data["complexity"] or None)


class SignForm(ActionForm):
    action, title = Action.SIGN.value, gettext_lazy("Sign for it")
    complexity = forms.ChoiceField(label=gettext_lazy("Complexity"), choices=Complexity.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["complexity"].initial = self.request.complexity

    def perform(self) -> None:
        ops.sign(self.request, self.user, self.cleaned_data["complexity"] or None)


class ReturnForm(ActionForm):
    action, title = Action.RETURN.value, gettext_lazy("Return it (not ours)")
    reason = _text(gettext_lazy("Reason"))

    def perform(self) -> None:
        ops.return_request(self.request, self.user, self.cleaned_data["reason"])


class TransferForm(ActionForm):
    action, title = Action.TRANSFER.value, gettext_lazy("Transfer")
    department = forms.ChoiceField(label=gettext_lazy("To department"))
    reason = _text(gettext_lazy("Reason"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead = self.request.lead_department.code if self.request.lead_department else ""
        self.fields["department"].choices = [(c, n) for c, n in self.departments() if c != lead]

    def perform(self) -> None:
        data = self.cleaned_data
        ops.transfer(self.request, self.user, self.department(data["department"]), data["reason"])


class SubmitPartForm(ActionForm):
    action, title = Action.SUBMIT_PART.value, gettext_lazy("Submit your department's part")
    result = _text(gettext_lazy("What your department did"))

    def perform(self) -> None:
        ops.submit_part(self.request, self.user, self.cleaned_data["result"])


class EscalateForm(ActionForm):
    action, title = Action.ESCALATE.value, gettext_lazy("Escalate to the next level")
    reason = _text(gettext_lazy("Reason"))

    def perform(self) -> None:
        ops.escalate(self.request, self.user, self.cleaned_data["reason"])


class MergeForm(ActionForm):
    action, title = Action.MERGE.value, gettext_lazy("Merge into another request")
    into = forms.CharField(label=gettext_lazy("Number of the request that carries on"), max_length=32)

    def clean_into(self) -> ServiceRequest:
        number = self.cleaned_data["into"].strip().upper()
        into = ServiceRequest.objects.visible_to(self.user).distinct().filter(number=number).first()
        if into is None:
            raise ValidationError(_("No request you can see has this number."))
        return into

    def perform(self) -> None:
        ops.merge(self.request, self.user, self.cleaned_data["into"])


class RequestExtensionForm(ActionForm):
    action, title = Action.REQUEST_EXTENSION.value, gettext_lazy("Ask for more time")
    reason = _text(gettext_lazy("Reason"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"] = forms.IntegerField(
            label=_("Working days"), min_value=1, max_value=settings.SERVICEDESK_MAX_EXTENSION_DAYS
        )
        self.order_fields(["days", "reason"])

    def perform(self) -> None:
        ops.request_extension(self.request, self.user, self.cleaned_data["days"], self.cleaned_data["reason"])


class ApproveExtensionForm(ActionForm):
    action, title = Action.APPROVE_EXTENSION.value, gettext_lazy("Approve the extension")
    note = _text(gettext_lazy("Note"), required=False)
    approve = True

    def perform(self) -> None:
        ops.decide_extension(self.request, self.user, self.approve, self.cleaned_data["note"])


class RejectExtensionForm(ApproveExtensionForm):
    action, title = Action.REJECT_EXTENSION.value, gettext_lazy("Reject the extension")
    approve = False


class SuspendForm(ActionForm):
    action, title = Action.SUSPEND.value, gettext_lazy("Wait for the enterprise")
    reason = _text(gettext_lazy("What the enterprise must provide"))

    def perform(self) -> None:
        ops.suspend(self.request, self.user, self.cleaned_data["reason"])


class ResumeForm(ActionForm):
    action, title = Action.RESUME.value, gettext_lazy("Resume")
    note = _text(gettext_lazy("Note"), required=False)

    def perform(self) -> None:
        ops.resume(self.request, self.user, self.cleaned_data["note"])


class AnswerForm(ActionForm):
    action, title = Action.ANSWER.value, gettext_lazy("Answer the enterprise")
    text = forms.CharField(label=gettext_lazy("Answer"), widget=forms.Textarea(attrs={"rows": 5}))

    def perform(self) -> None:
        ops.answer(self.request, self.user, self.cleaned_data["text"])


class CloseForm(ActionForm):
    action, title = Action.CLOSE.value, gettext_lazy("Close")
    note = _text(gettext_lazy("Note"), required=False)

    def perform(self) -> None:
        ops.close(self.request, self.user, self.cleaned_data["note"])


class RateForm(ActionForm):
    action, title = Action.RATE.value, gettext_lazy("Rate the answer")
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("Satisfaction"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = _text(gettext_lazy("Comments on the answer"), required=False)

    def perform(self) -> None:
        ops.rate(self.request, self.user, self.cleaned_data["satisfaction"], self.cleaned_data["comment"])


class CommentForm(ActionForm):
    action, title = Action.COMMENT.value, gettext_lazy("Add a comment")
    text = _text(gettext_lazy("Comment"))

    def perform(self) -> None:
        ops.comment(self.request, self.user, self.cleaned_data["text"])


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        DispatchForm, SignForm, ReturnForm, TransferForm, SubmitPartForm, EscalateForm, MergeForm,
        RequestExtensionForm, ApproveExtensionForm, RejectExtensionForm, SuspendForm, ResumeForm, AnswerForm,
        CloseForm, RateForm, CommentForm,
    )
}  # fmt: skip


class AttachForm(forms.Form):
    """More documents for a request (e.g. what a suspended request waits for); offered to whoever may comment."""

    files = MultipleFileField(label=gettext_lazy("Files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="attach", **kwargs)

    def clean_files(self) -> list[Any]:
        files = self.cleaned_data["files"]
        if not files:
            raise ValidationError(_("Choose at least one file."))
        for upload in files:
            check_upload(upload)
        return files


# --- the board ---------------------------------------------------------------------------------------------
def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 12 calendar months, this one included."""
    today = today or timezone.localdate()
    month = today.year * 12 + today.month - 1 - 11
    return dt.date(month // 12, month % 12 + 1, 1), today


class BoardForm(forms.Form):
    by = forms.ChoiceField(label=gettext_lazy("Per"), required=False)
    start = forms.DateField(label=gettext_lazy("Received from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))  # fmt: skip
    end = forms.DateField(label=gettext_lazy("to"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {"department": _("Department"), "category": _("Category"), "region": _("Region"),
                  "month": _("Month")}  # fmt: skip
        self.fields["by"].choices = [(g, labels[g]) for g in GROUPINGS]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data

    def chosen(self) -> tuple[str, dt.date, dt.date]:
        """(grouping, first day, last day): what was asked where it is valid, the defaults elsewhere."""
        valid = self.is_valid()
        data = self.cleaned_data
        start, end = default_period()
        if valid:
            start, end = data.get("start") or start, data.get("end") or end
        return data.get("by") or "department", start, end
