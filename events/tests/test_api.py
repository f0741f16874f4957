"""SPEC §18's API: /api/webhooks/ (secret shown once, SSRF refusals), deliveries, /api/events/."""

import datetime

import pytest
from django.test import override_settings

from events.jobs import events_purge, work
from events.models import Delivery, Event, Webhook
from events.services import event_record
from events.tests.factories import make_webhook
from events.tests.receiver import receiver, verify

pytestmark = pytest.mark.django_db

HOOK = {"url": "https://hooks.example.com/factory", "events": ["order.placed", "stock.low"]}


def webhook_rows():
    return list(Webhook.objects.values_list("id", "url", "events", "is_active", "secret"))


def test_create_answers_the_secret_once(admin_api):
    response = admin_api.post("/api/webhooks/", HOOK, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"id", "url", "events", "is_active", "created_at", "secret"}
    assert body["events"] == HOOK["events"] and body["is_active"] is True
    assert body["secret"] == Webhook.objects.get().secret and len(body["secret"]) > 30
    detail = admin_api.get(f"/api/webhooks/{body['id']}/").json()
    assert "secret" not in detail and detail["url"] == HOOK["url"]
    assert all("secret" not in row for row in admin_api.get("/api/webhooks/").json()["results"])
    changed = admin_api.patch(f"/api/webhooks/{body['id']}/", {"is_active": False}, format="json")
    assert changed.status_code == 200 and "secret" not in changed.json()


def test_rotate_secret_answers_a_new_one_that_signs_from_then_on(admin_api):
    with receiver() as hook, override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        webhook = make_webhook(hook.url, events=["stock.low"])
        response = admin_api.post(f"/api/webhooks/{webhook.pk}/rotate-secret/")
        assert response.status_code == 200
        secret = response.json()["secret"]
        assert secret != webhook.secret and Webhook.objects.get().secret == secret
        event_record("stock.low", {"id": 1})
        work()
    (got,) = hook.got
    assert verify(secret, got.headers["X-Factory-Signature"], got.body)
    assert not verify(webhook.secret, got.headers["X-Factory-Signature"], got.body)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/hook",
        "http://240.0.0.1/hook",
        "http://224.0.0.1/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00::1]/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_a_private_address_url_is_refused_by_default(admin_api, url):
    response = admin_api.post("/api/webhooks/", {**HOOK, "url": url}, format="json")
    assert response.status_code == 400, response.json()
    assert "url" in response.json()
    assert webhook_rows() == []


def test_private_urls_are_allowed_with_webhook_allow_private(admin_api):
    with override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        response = admin_api.post(
            "/api/webhooks/", {**HOOK, "url": "http://127.0.0.1:9000/hook"}, format="json"
        )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {**HOOK, "url": "ftp://hooks.example.com/x"},
        {**HOOK, "url": "file:///etc/passwd"},
        {**HOOK, "url": "not a url"},
        {**HOOK, "url": "https://user:pw@hooks.example.com/x"},
        {**HOOK, "url": "https://hooks.example.com/" + "x" * 3000},
        {**HOOK, "events": []},
        {**HOOK, "events": ["order.exploded"]},
        {**HOOK, "events": "order.placed"},
        {"url": HOOK["url"]},
        {**HOOK, "is_active": "maybe"},
    ],
)
def test_bad_webhook_bodies_are_400_and_write_nothing(admin_api, body):
    response = admin_api.post("/api/webhooks/", body, format="json")
    assert response.status_code == 400, response.content
    assert webhook_rows() == []


def test_a_refused_change_leaves_the_webhook_as_it_was(admin_api):
    webhook = admin_api.post("/api/webhooks/", HOOK, format="json").json()
    before = webhook_rows()
    response = admin_api.patch(
        f"/api/webhooks/{webhook['id']}/", {"url": "http://127.0.0.1/x"}, format="json"
    )
    assert response.status_code == 400 and webhook_rows() == before


def test_repeated_event_types_are_kept_once(admin_api):
    body = {**HOOK, "events": ["stock.low", "order.placed", "stock.low"]}
    assert admin_api.post("/api/webhooks/", body, format="json").json()["events"] == [
        "stock.low",
        "order.placed",
    ]


def test_deliveries_list_each_attempt_and_redeliver_queues_a_new_one(admin_api):
    with receiver(404, 200) as hook, override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        webhook = make_webhook(hook.url, events=["stock.low"])
        event = event_record("stock.low", {"id": 7})
        work()
        page = admin_api.get(f"/api/webhooks/{webhook.pk}/deliveries/").json()
        (row,) = page["results"]
        assert row["status"] == "failed" and row["response_code"] == 404
        assert row["event"] == str(event.id) and row["event_type"] == "stock.low"
        assert row["error"] == "HTTP 404" and row["next_attempt_at"] is None
        assert [(a["number"], a["outcome"], a["response_code"]) for a in row["attempt_log"]] == [
            (1, "failed", 404)
        ]
        response = admin_api.post(f"/api/webhooks/deliveries/{row['id']}/redeliver/")
        assert response.status_code == 202
        again = response.json()
        assert again["status"] == "pending" and again["redelivery_of"] == row["id"]
        # Still pending: a second redeliver is refused, and nothing is added.
        refused = admin_api.post(f"/api/webhooks/deliveries/{again['id']}/redeliver/")
        assert refused.status_code == 409 and refused.json()["code"] == "delivery_pending"
        assert Delivery.objects.count() == 2
        work()
    assert len(hook.got) == 2
    assert hook.got[0].headers["X-Factory-Delivery"] == hook.got[1].headers["X-Factory-Delivery"]
    assert Delivery.objects.get(pk=again["id"]).status == "delivered"
    assert admin_api.post("/api/webhooks/deliveries/999999/redeliver/").status_code == 404


def test_events_list_filters_by_type(admin_api):
    event_record("stock.low", {"id": 1})
    placed = event_record("order.placed", {"id": 2})
    everything = admin_api.get("/api/events/").json()
    assert everything["count"] == 2
    assert [e["type"] for e in everything["results"]] == ["order.placed", "stock.low"]
    only = admin_api.get("/api/events/?type=order.placed").json()
    assert [e["id"] for e in only["results"]] == [str(placed.id)]
    assert only["results"][0] == {
        "id": str(placed.id),
        "type": "order.placed",
        "created_at": only["results"][0]["created_at"],
        "data": {"id": 2},
    }
    assert admin_api.get(f"/api/events/{placed.id}/").json()["data"] == {"id": 2}
    assert admin_api.get("/api/events/?type=nonsense").status_code == 400
    assert admin_api.get("/api/events/not-a-uuid/").status_code == 404
    assert Event.objects.count() == 2


@override_settings(LIST_CACHE_SECONDS=300)
def test_the_cached_events_list_shows_every_event_recorded_and_purged(
    admin_api, django_capture_on_commit_callbacks, settings
):
    def ids():
        body = admin_api.get("/api/events/").json()
        return body["count"], [e["id"] for e in body["results"]]

    with django_capture_on_commit_callbacks(execute=True):
        old = event_record("stock.low", {"id": 1})
    assert ids() == (1, [str(old.id)])
    assert ids() == (1, [str(old.id)])  # from the cache
    with django_capture_on_commit_callbacks(execute=True):
        new = event_record("order.placed", {"id": 2})
    assert ids() == (2, [str(new.id), str(old.id)])
    assert admin_api.get("/api/events/?page_size=1").json()["count"] == 2
    Event.objects.filter(pk=old.pk).update(
        created_at=old.created_at - datetime.timedelta(days=settings.EVENT_RETENTION_DAYS + 1)
    )  # an update sends no signal: the purge must say it deleted rows
    assert events_purge() == 1
    assert ids() == (1, [str(new.id)])
    assert admin_api.get("/api/events/?page_size=1").json()["count"] == 1
