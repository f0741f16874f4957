"""Purchasing's domain errors (factory.errors family: the API maps them to 409s)."""

from factory.errors import ApplicationError


class NotDraft(ApplicationError):
    code = "not_draft"
    default_message = "Only a draft purchase order can be changed or deleted."


class OverReceipt(ApplicationError):
    """Raised with every over-received line: `lines=[{"line", "outstanding", "requested"}]`."""

    code = "over_receipt"
    default_message = "More received than is outstanding."
