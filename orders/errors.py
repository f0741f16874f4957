"""Domain errors of fulfilment and invoicing (SPEC §16); mapped to 409s by the API's handler."""

from factory.errors import ApplicationError


class InvalidStatus(ApplicationError):
    """Shipping anything but a placed order, or delivering anything but a shipped one."""

    code = "invalid_status"
    default_message = "The order's status does not allow this."


class AlreadyShipped(ApplicationError):
    code = "already_shipped"
    default_message = "This order has been shipped and can no longer be cancelled."


class Invoiced(ApplicationError):
    code = "invoiced"
    default_message = "This order has been invoiced and can no longer be cancelled."


class AlreadyInvoiced(ApplicationError):
    """Carries `invoice`: the id of the order's existing invoice."""

    code = "already_invoiced"
    default_message = "This order has already been invoiced."


class AlreadyPaid(ApplicationError):
    code = "already_paid"
    default_message = "This invoice is already paid."
