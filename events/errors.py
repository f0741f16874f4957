from factory.errors import ApplicationError


class DeliveryPending(ApplicationError):
    status_code = 409
    code = "delivery_pending"
