"""Shared OpenAPI pieces: the error bodies of SPEC §3."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

CONFLICT_RESPONSE = OpenApiResponse(
    response=inline_serializer(
        "Conflict",
        fields={
            "detail": serializers.CharField(),
            "code": serializers.CharField(),
            "items": serializers.ListField(child=serializers.DictField(), required=False),
        },
    ),
    description="A business rule refused the request (e.g. insufficient_stock, in_use, already_cancelled).",
)
