from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """The closed loop 受理 → 交办 → 签收/处置 → 反馈 → 办结 → 评价 (DOMAIN §8), plus its detours."""

    RECEIVED = "received", _("Received (受理)")  # waiting to be dispatched by the region's supervisors
    DISPATCHED = "dispatched", _("Dispatched (交办)")  # waiting for the lead department to sign
    HANDLING = "handling", _("Being handled (处置)")
    SUSPENDED = "suspended", _("Waiting for the enterprise")  # the clock stops
    ANSWERED = "answered", _("Answered (反馈)")
    CLOSED = "closed", _("Closed (办结)")  # waiting for the enterprise's rating
    RATED = "rated", _("Rated (评价)")
    MERGED = "merged", _("Merged into another request")


OPEN_STATUSES = (Status.RECEIVED, Status.DISPATCHED, Status.HANDLING, Status.SUSPENDED, Status.ANSWERED)
DONE_STATUSES = (Status.CLOSED, Status.RATED)


class Action(models.TextChoices):
    CREATE = "create", _("Filed")
    DISPATCH = "dispatch", _("Dispatched")
    SIGN = "sign", _("Signed for")
    RETURN = "return", _("Returned")
    TRANSFER = "transfer", _("Transferred")
    SUBMIT_PART = "submit_part", _("Part submitted by an assisting department")
    ESCALATE = "escalate", _("Escalated")
    MERGE = "merge", _("Merged")
    REQUEST_EXTENSION = "request_extension", _("Extension requested")
    APPROVE_EXTENSION = "approve_extension", _("Extension approved")
    REJECT_EXTENSION = "reject_extension", _("Extension rejected")
    SUSPEND = "suspend", _("Suspended")
    RESUME = "resume", _("Resumed")
    ANSWER = "answer", _("Answered")
    CLOSE = "close", _("Closed")
    RATE = "rate", _("Rated")
    REOPEN = "reopen", _("Reopened for a revisit")
    WARN = "warn", _("Deadline warning sent")
    OVERDUE = "overdue", _("Overdue: referred to the supervising office")
    COMMENT = "comment", _("Comment")


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("API")
    PHONE = "phone", _("Telephone")
    HOTLINE = "12345", _("12345 hotline")
    VISIT = "visit", _("Visit")
    OPEN311 = "open311", _("Open311 client")


class Complexity(models.TextChoices):
    SIMPLE = "simple", _("Simple")
    ORDINARY = "ordinary", _("Ordinary")
    COMPLEX = "complex", _("Complex")


class Level(models.TextChoices):
    COUNTY = "county", _("County")
    CITY = "city", _("City")
    PROVINCE = "province", _("Province")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class PartRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    ASSIST = "assist", _("Assisting")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    LAPSED = "lapsed", _("Lapsed (the request left the department)")


class CategoryGroup(models.TextChoices):
    POLICY = "policy", _("Policy consultation")
    PERMITS = "permits", _("Permits and approvals")
    LAND = "land", _("Land and production factors")
    FINANCE = "finance", _("Finance")
    TALENT = "talent", _("Talent")
    TRADE = "trade", _("Trade services")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    OTHER = "other", _("Other")
