"""Domain errors of fulfilment and invoicing (SPEC §16); mapped to 409s by the API's handler."""

from factory.errors import ApplicationError


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
