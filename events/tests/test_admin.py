"""The back office: webhooks (secret shown once), deliveries with status and redeliver, events."""

import pytest
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse

from events.jobs import work
from events.models import Delivery, Webhook
from events.services import event_record
from events.tests.factories import make_webhook
from events.tests.receiver import receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_adding_a_webhook_shows_its_secret_once(staff):
    response = staff.post(
        reverse("admin:events_webhook_add"),
        {
            "url": "https://hooks.example.com/x",
            "events": ["order.placed", "stock.low"],
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    webhook = Webhook.objects.get()
    assert webhook.events == ["order.placed", "stock.low"]
    assert any(webhook.secret in m for m in messages_of(response))
    page = staff.get(reverse("admin:events_webhook_change", args=[webhook.pk]))
    assert page.status_code == 200 and webhook.secret not in page.content.decode()
    listing = staff.get(reverse("admin:events_webhook_changelist"))
    assert webhook.secret not in listing.content.decode()


def test_a_private_url_is_refused_in_the_admin_too(staff):
    response = staff.post(
        reverse("admin:events_webhook_add"),
        {"url": "http://127.0.0.1:8000/x", "events": ["order.placed"], "is_active": "on"},
    )
    assert response.status_code == 200 and not Webhook.objects.exists()
    assert "private" in response.content.decode()


def test_rotating_in_the_admin_shows_the_new_secret(staff):
    webhook = make_webhook("http://127.0.0.1:9/x")
    response = staff.post(
        reverse("admin:events_webhook_changelist"),
        {"action": "rotate_secret", "_selected_action": [webhook.pk]},
        follow=True,
    )
    new = Webhook.objects.get().secret
    assert new != webhook.secret and any(new in m for m in messages_of(response))


def test_deliveries_show_status_and_attempts_and_redeliver(staff):
    with receiver(410, 200) as hook, override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        make_webhook(hook.url, events=["stock.low"])
        event_record("stock.low", {"id": 3})
        work()
        delivery = Delivery.objects.get()
        listing = staff.get(reverse("admin:events_delivery_changelist")).content.decode()
        assert "failed" in listing and "410" in listing
        page = staff.get(reverse("admin:events_delivery_change", args=[delivery.pk]))
        assert page.status_code == 200 and "HTTP 410" in page.content.decode()
        response = staff.post(
            reverse("admin:events_delivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
            follow=True,
        )
        assert any("Queued 1" in m for m in messages_of(response))
        work()
    assert len(hook.got) == 2
    assert list(Delivery.objects.order_by("id").values_list("status", flat=True)) == [
        "failed",
        "delivered",
    ]


def test_events_are_listed_and_read_only(staff):
    event = event_record("stock.low", {"id": 5, "name": "Bolt"})
    listing = staff.get(reverse("admin:events_event_changelist") + "?type=stock.low")
    assert listing.status_code == 200 and str(event.id) in listing.content.decode()
    page = staff.get(reverse("admin:events_event_change", args=[event.pk]))
    assert page.status_code == 200 and "Bolt" in page.content.decode()
    assert staff.get(reverse("admin:events_event_add")).status_code == 403


@override_settings(LIST_CACHE_SECONDS=300)
def test_events_deleted_in_the_admin_leave_the_cached_list(
    staff, admin_api, django_capture_on_commit_callbacks
):
    kept, gone = event_record("stock.low", {"id": 1}), event_record("stock.low", {"id": 2})
    assert admin_api.get("/api/events/").json()["count"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("admin:events_event_changelist"),
            {"action": "delete_selected", "_selected_action": [gone.pk], "post": "yes"},
        )
    assert response.status_code == 302
    body = admin_api.get("/api/events/").json()
    assert body["count"] == 1 and [e["id"] for e in body["results"]] == [str(kept.id)]
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("admin:events_event_delete", args=[kept.pk]), {"post": "yes"})
    assert admin_api.get("/api/events/").json()["count"] == 0
