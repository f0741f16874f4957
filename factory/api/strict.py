"""JSON bodies are held to their types (SPEC §3, §12): no silent coercion of wrong types.

DRF coerces on input: a CharField takes `0`, a BooleanField `0`/`1`, an IntegerField
`"5"`, a DecimalField a float, a primary-key field `"5"` or `5.9` (as record 5). That
suits HTML forms, where everything is a string, but in a JSON body it lets wrong types
through. `apply()` (run once from `factory.apps`) makes these field classes refuse a
JSON value of the wrong type with a 400 naming the field; data from forms and query
strings (QueryDicts) is parsed as before, so the browsable API's forms keep working.
"""

from decimal import Decimal

from django.http import QueryDict
from rest_framework import fields, relations, serializers

RULES = [
    (fields.CharField, (str,), "Must be a string."),
    (fields.BooleanField, (bool,), "Must be true or false."),
    (fields.IntegerField, (int,), "Must be an integer."),
    (fields.DecimalField, (str,), 'Must be a decimal string such as "12.50".'),
    (relations.PrimaryKeyRelatedField, (int,), "Must be an id (an integer)."),
    # A record by name (a user's `role`): `0` had found the role named "0".
    (relations.SlugRelatedField, (str,), "Must be a name (a string)."),
]


def _from_json(field) -> bool:
    root = field.root
    initial = getattr(root, "initial_data", None)
    return initial is not None and not isinstance(initial, QueryDict)


def _strict(to_internal_value, types, message):
    def checked(self, data):
        wrong = not isinstance(data, types) or (isinstance(data, bool) and bool not in types)
        if wrong and not isinstance(data, Decimal) and _from_json(self):
            raise serializers.ValidationError(message, code="invalid")
        return to_internal_value(self, data)

    checked.strict_json = True
    return checked


def apply() -> None:
    for field_class, types, message in RULES:
        current = field_class.to_internal_value
        if not getattr(current, "strict_json", False):
            field_class.to_internal_value = _strict(current, types, message)
