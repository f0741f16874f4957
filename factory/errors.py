"""Domain errors: what a service raises when a business rule refuses a request.

This module knows nothing of DRF or HTTP. The API's exception handler
(`factory.api.exceptions`) and the admin (`factory.admin.ServiceErrorAdminMixin`) map these
errors to their answers: `status_code` is the HTTP status the API gives, and `as_dict()` the
SPEC §3 body `{"detail", "code", **extra}`.
"""


class ApplicationError(Exception):
    """A business rule refused the request. Rendered as `{"detail", "code", **extra}`."""

    status_code = 409
    code = "conflict"
    default_message = "The request conflicts with the current state."

    def __init__(self, message: str | None = None, *, code: str | None = None, **extra):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.extra = extra
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"detail": self.message, "code": self.code, **self.extra}


class InUse(ApplicationError):
    code = "in_use"
    default_message = "This record is referenced by other records and cannot be deleted."


class InsufficientStock(ApplicationError):
    """Raised with every shortage: `items=[{"product", "requested", "available"}]`."""

    code = "insufficient_stock"
    default_message = "Not enough stock."


class AlreadyCancelled(ApplicationError):
    code = "already_cancelled"
    default_message = "This order is already cancelled."


class NotFound(ApplicationError):
    """A record the request named is gone (deleted by another request before a service locked it)."""

    status_code = 404
    code = "not_found"
    default_message = "Not found."


class Conflict(ApplicationError):
    """A concurrent change the database refused that no more specific error describes; retrying may work."""

    code = "conflict"
    default_message = "The request conflicts with a concurrent change; reload and retry."


class InvalidStatus(ApplicationError):
    """An action the record's status does not allow (ship a cancelled order, receive a draft…).

    Callers say which record and status in the message."""

    code = "invalid_status"
    default_message = "The record's status does not allow this."
