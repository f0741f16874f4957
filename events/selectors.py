from django.db.models import Prefetch, QuerySet

from events.models import Delivery, DeliveryAttempt, Event, Webhook


def event_list() -> QuerySet[Event]:
    return Event.objects.all()


def webhook_list() -> QuerySet[Webhook]:
    return Webhook.objects.all()


def delivery_list() -> QuerySet[Delivery]:
    """Deliveries with their event's type and every attempt: two queries a page."""
    return (
        Delivery.objects.select_related("event")
        .defer("event__data")
        .prefetch_related(
            Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("number"))
        )
    )
