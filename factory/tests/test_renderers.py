"""FastJSONRenderer writes exactly the bytes DRF's JSONRenderer writes."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from factory.api.renderers import FastJSONRenderer
from orders.models import Order

CASES = [
    {"count": 2, "next": None, "previous": "http://x/?page=1", "results": [{"a": True}, {}]},
    ReturnList(
        [ReturnDict({"name": "Zoë ✓ 日本", "total": "12.50"}, serializer=None)], serializer=None
    ),
    {"line": "a\u2028b\u2029c", "quote": 'say "hi"\n\t\\', "control": "\x00\x1f"},
    {"big": 2**70, "negative": -5, "zero": 0},  # beyond 64 bits: DRF's encoder
    {"at": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)},  # DRF writes "Z"
    {"on": datetime.date(2026, 1, 2), "price": Decimal("1.10"), "id": uuid.UUID(int=7)},
    {"lazy": gettext_lazy("Not found."), 3: "a non-string key"},
    {"status": Order.Status.PLACED},
    [],
    "plain",
]


@pytest.mark.parametrize("data", CASES)
def test_the_bytes_are_drfs(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_an_indent_asked_for_is_drfs():
    data = {"a": [1, 2]}
    media = "application/json; indent=2"
    assert FastJSONRenderer().render(data, media) == JSONRenderer().render(data, media)
    assert b"\n" in FastJSONRenderer().render(data, media)
