"""How an event's `data` is built: each app registers its API read shape for its models.

events imports no app (docs/events.md): `orders` registers `Order -> OrderSerializer(...).data`
in its AppConfig.ready, and `event_record("order.placed", order)` finds it by the model's class.
"""

import json
from collections.abc import Callable

from django.db import models
from rest_framework.utils.encoders import JSONEncoder

Builder = Callable[[models.Model], dict]
_builders: dict[type[models.Model], Builder] = {}


def payload_register(model: type[models.Model], build: Builder) -> None:
    """Make `build(instance)` the `data` of every event recorded for an instance of `model`."""
    _builders[model] = build


def payload_build(instance_or_data) -> dict:
    """The JSON-ready `data` of an event: a dict as given, or the registered read shape."""
    if isinstance(instance_or_data, dict):
        data = instance_or_data
    else:
        for cls in type(instance_or_data).__mro__:
            if cls in _builders:
                data = _builders[cls](instance_or_data)
                break
        else:
            raise LookupError(f"No event payload registered for {type(instance_or_data).__name__}.")
    # Decimals as strings and datetimes as ISO 8601, exactly as the API renders them.
    return json.loads(json.dumps(data, cls=JSONEncoder))
