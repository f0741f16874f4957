"""How an event's `data` is built: each app registers its API read shape for its models.

events imports no app (docs/events.md): `orders` registers `Order` with `OrderSerializer` and the
selector that reads one order as the API does, in its AppConfig.ready, and
`event_record("order.placed", order)` finds them by the model's class.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder


@dataclass
class Shape:
    """A model's read shape: `read(pk)` fetches the record as the API does, `serializer` renders it.

    One serializer instance serves every event: DRF builds a ModelSerializer's fields on first use
    and keeps them on the instance, and building them was half the time of recording an order's
    event (`to_representation` keeps no other state, so sharing it is safe).
    """

    read: Callable[[int], models.Model]
    serializer: serializers.BaseSerializer

    def data(self, instance: models.Model) -> dict:
        return self.serializer.to_representation(self.read(instance.pk))


_shapes: dict[type[models.Model], Shape] = {}


def payload_register(
    model: type[models.Model],
    *,
    serializer: type[serializers.BaseSerializer],
    read: Callable[[int], models.Model],
) -> None:
    """Make `serializer` of `read(pk)` the `data` of every event recorded for a `model` record."""
    _shapes[model] = Shape(read=read, serializer=serializer())


def payload_build(instance_or_data) -> dict:
    """The JSON-ready `data` of an event: a dict as given, or the registered read shape."""
    if isinstance(instance_or_data, dict):
        data = instance_or_data
    else:
        for cls in type(instance_or_data).__mro__:
            if cls in _shapes:
                data = _shapes[cls].data(instance_or_data)
                break
        else:
            raise LookupError(f"No event payload registered for {type(instance_or_data).__name__}.")
    # Decimals as strings and datetimes as ISO 8601, exactly as the API renders them.
    return json.loads(json.dumps(data, cls=JSONEncoder))
