"""SPEC §4 for §18's endpoints: events, webhooks and deliveries are the admin role's alone."""

import pytest

from accounts.tests.matrix import (
    ADMIN_ROLE,
    ANON,
    CUSTOM,
    USER_ROLE,
    Case,
    World,
    api_route_names,
    case_check,
    case_params,
)
from events.models import Delivery, Event, Webhook
from events.services import event_record
from events.tests.factories import make_webhook


def events_state() -> dict:
    return {
        "webhooks": sorted(
            Webhook.objects.values_list("id", "url", "events", "is_active", "secret")
        ),
        "deliveries": sorted(Delivery.objects.values_list("id", "status", "attempts")),
        "events": sorted(Event.objects.values_list("id", "type")),
    }


def expect(anonymous: int, user: int, custom: int, admin: int) -> dict[str, int]:
    return {ANON: anonymous, USER_ROLE: user, CUSTOM: custom, ADMIN_ROLE: admin}


def admin_only(status: int) -> dict[str, int]:
    return expect(401, 403, 403, status)


def a_webhook(world, suffix=""):
    return f"/api/webhooks/{make_webhook('https://hooks.example.com/a').pk}/{suffix}"


def an_event(world):
    return f"/api/events/{event_record('stock.low', {'id': 1}).pk}/"


def a_failed_delivery(world):
    make_webhook("https://hooks.example.com/a", events=["stock.low"])
    event_record("stock.low", {"id": 1})
    delivery = Delivery.objects.get()
    delivery.status = Delivery.Status.FAILED
    delivery.save()
    return f"/api/webhooks/deliveries/{delivery.pk}/redeliver/"


HOOK = {"url": "https://hooks.example.com/b", "events": ["order.placed"]}

CASES = [
    Case(c.method, c.url, c.expect, c.body, c.label, state=events_state)
    for c in [
        Case("get", "/api/events/", admin_only(200)),
        Case("get", "/api/events/?type=stock.low", admin_only(200), label="by type"),
        Case("get", an_event, admin_only(200)),
        Case("get", "/api/webhooks/", admin_only(200)),
        Case("post", "/api/webhooks/", admin_only(201), HOOK),
        Case("get", a_webhook, admin_only(200)),
        Case("patch", a_webhook, admin_only(200), {"is_active": False}),
        Case("put", a_webhook, admin_only(200), HOOK),
        Case("delete", a_webhook, admin_only(204)),
        Case("post", lambda w: a_webhook(w, "rotate-secret/"), admin_only(200)),
        Case("get", lambda w: a_webhook(w, "deliveries/"), admin_only(200)),
        Case("post", a_failed_delivery, admin_only(202)),
    ]
]


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "caller"), case_params(CASES))
def test_events_permission_matrix(case, caller):
    case_check(case, caller, World.build())


def test_events_permission_matrix_covers_every_events_route():
    """A new events endpoint without a matrix case fails here."""
    assert api_route_names({"event", "webhook", "delivery"}) == {
        "event-list",
        "event-detail",
        "webhook-list",
        "webhook-detail",
        "webhook-rotate-secret",
        "webhook-deliveries",
        "delivery-redeliver",
    }, "add a matrix case for each new route, then list it here"
