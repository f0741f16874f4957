"""`GET /api/<plural>/{id}/history/` for every viewset of a model that keeps history (SPEC §17)."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.generics import get_object_or_404

from factory.api.actions import role_action
from factory.history import history_entries, history_list, history_previous


class HistoryAuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    """One change (the schema of the entries; they are built by `factory.history`)."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    by = HistoryAuthorSerializer(allow_null=True, help_text="null: a command, the shell or SYSTEM")
    action = serializers.ChoiceField(["created", "changed", "deleted"])
    changes = serializers.DictField(
        child=serializers.ListField(
            child=serializers.JSONField(allow_null=True), min_length=2, max_length=2
        ),
        help_text="`{field: [old, new]}`: values as the API writes them (decimals as strings, "
        "dates ISO 8601, related records as ids); a new record's fields start at null.",
    )


# One field each model has, and a change of it, for the schema's example.
EXAMPLE_CHANGES = (
    ("price", ["2.50", "2.75"]),
    ("phone", ["", "555-0100"]),
    ("position", ["Assembler", "Foreman"]),
    ("notes", ["", "Rush order"]),
    ("description", ["", "Packs orders"]),
    ("is_active", [True, False]),
)


def _example(model) -> OpenApiExample:
    names = {f.name for f in model._meta.get_fields()}
    field, change = next((f, c) for f, c in EXAMPLE_CHANGES if f in names)
    return OpenApiExample(
        "A change by the admin",
        value={
            "id": 42,
            "at": "2026-03-02T09:15:00Z",
            "by": {"id": 1, "username": "admin"},
            "action": "changed",
            "changes": {field: change},
        },
        response_only=True,
    )


def _history_action(model):
    opts = model._meta
    name = opts.verbose_name

    @extend_schema(
        summary=f"History of a {name}",
        description=f"Who changed this {name}, when, and what: a page of entries, newest first "
        f"(`?page`, `?page_size` up to 100). Each entry's `changes` are `{{field: [old, new]}}`. "
        f"A deleted {name} has no history here (404); the admin still shows it.",
        responses=HistoryEntrySerializer(many=True),
        examples=[_example(model)],
    )
    @role_action(f"{opts.app_label}.view_{opts.model_name}", detail=True, methods=["get"])
    def history(self, request, pk=None):
        # Only whether the record exists: not the viewset's list query with its joins.
        record = get_object_or_404(model._base_manager.only("pk"), pk=pk)
        records = self.paginate_queryset(history_list(model=model, pk=record.pk))
        previous = history_previous(records=records)
        return self.get_paginated_response(history_entries(records, previous))

    return history


class HistoryViewMixin:
    """Adds the `history` action for the viewset's model: needs `<app>.view_<model>`.

    Four queries a page whatever its size (the record's existence, the count, the page with
    its authors, the entry before the page's oldest to diff it against), one more for each
    many-to-many field (a role's permissions).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        queryset = getattr(cls, "queryset", None)
        if queryset is not None and "history" not in cls.__dict__:
            cls.history = _history_action(queryset.model)
