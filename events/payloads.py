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
from rest_framework.utils.serializer_helpers import ReturnDict


@dataclass
class Shape:
    """A model's read shape: `read(pk)` fetches the record as the API does, `serializer` renders it.

    One serializer instance serves every event: DRF builds a ModelSerializer's fields on first use
    and keeps them on the instance, and building them was half the time of recording an order's
    event (`to_representation` keeps no other state, so sharing it is safe).
    """

    read: Callable[[int], models.Model]
    serializer: serializers.BaseSerializer

    def data(self, instance: models.Model, *, as_read: bool = False) -> dict:
        return self.serializer.to_representation(instance if as_read else self.read(instance.pk))


_shapes: dict[type[models.Model], Shape] = {}


def payload_register(
    model: type[models.Model],
    *,
    serializer: type[serializers.BaseSerializer],
    read: Callable[[int], models.Model],
) -> None:
    """Make `serializer` of `read(pk)` the `data` of every event recorded for a `model` record."""
    _shapes[model] = Shape(read=read, serializer=serializer())


def _shape(instance: models.Model) -> Shape:
    for cls in type(instance).__mro__:
        if cls in _shapes:
            return _shapes[cls]
    raise LookupError(f"No event payload registered for {type(instance).__name__}.")


def payload_build(instance_or_data, *, as_read: bool = False) -> dict:
    """The JSON-ready `data` of an event: a dict as given, or the registered read shape.

    `as_read`: the record already carries everything its read shape shows, exactly as `read(pk)`
    would fetch it (the service that wrote it built it so), and is rendered as it is.
    """
    if isinstance(instance_or_data, dict):
        data = instance_or_data
    else:
        data = _shape(instance_or_data).data(instance_or_data, as_read=as_read)
    # Decimals as strings and datetimes as ISO 8601, exactly as the API renders them.
    return json.loads(json.dumps(data, cls=JSONEncoder))


def read_shape_data(instance: models.Model, *, context: dict | None = None) -> ReturnDict:
    """What `serializer(instance, context=context).data` gives for a record whose app registered
    its read shape, rendered by the shape's one serializer instance.

    For a write's response, from the record its service returned as `read(pk)` would fetch it:
    a new ModelSerializer builds its fields first (a placed order rendered in 2.5 ms so, in
    0.17 ms by the kept instance), and the view renders while the products are still locked. The data keeps a serializer of its
    own for the browsable API, as DRF's `.data` does (made, not rendered: its fields stay unbuilt).
    """
    shape = _shape(instance)
    return ReturnDict(
        shape.serializer.to_representation(instance),
        serializer=type(shape.serializer)(instance, context=context or {}),
    )
