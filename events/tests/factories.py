from django.test import override_settings

from events.services import webhook_create


def make_webhook(url: str, events=("order.placed",), **fields):
    """A webhook at `url` (a loopback receiver: private addresses allowed for the create)."""
    with override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        return webhook_create(url=url, events=list(events), **fields)
