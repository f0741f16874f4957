"""OpenAPI descriptions of the SPEC §3 error answers of the accounts endpoints."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from factory.api.schema import CONFLICT_RESPONSE

# Plain schemas rather than serializers: they add no component that could clash with another app's.
_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}

ERROR_RESPONSES = {
    400: OpenApiResponse(
        {"type": "object", "additionalProperties": {}},
        description='Invalid input: `{"field": ["message", …]}` or `{"non_field_errors": […]}`.',
    ),
    401: OpenApiResponse(
        _DETAIL,
        description="No valid credentials: missing, expired, tampered or revoked token, "
        "inactive or deleted user.",
    ),
    403: OpenApiResponse(_DETAIL, description="Signed in, but the role does not allow this."),
    404: OpenApiResponse(_DETAIL, description="No such record, or no such page of a list."),
    409: CONFLICT_RESPONSE,
    429: OpenApiResponse(_DETAIL, description="Too many requests; see the Retry-After header."),
}

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before trying again.",
)


def schema_with_errors(*, responses: dict, errors: tuple[int, ...] = (), **kwargs):
    """`extend_schema` with the given success responses plus the listed error answers and 429."""
    documented = {code: ERROR_RESPONSES[code] for code in (*errors, 429)}
    return extend_schema(
        responses={**responses, **documented},
        parameters=[*kwargs.pop("parameters", []), RETRY_AFTER],
        **kwargs,
    )
