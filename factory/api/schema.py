"""Shared OpenAPI pieces: the error bodies of SPEC §3, and the AutoSchema that documents them everywhere.

Every operation can answer with some of SPEC §3's errors whatever its view says (a bad token, a missing
permission, a throttle, an oversized body…). `AutoSchema` adds those a view does not document itself,
deciding from the operation's shape (auth, path and query parameters, request body, method) which
can occur; responses an `extend_schema` names keep their own description.

Every operation also gets a one-line summary and a description of its own (SPEC §3): what
`extend_schema` gives; else the handler's own docstring (a custom action's, or a one-operation
view's); else, for the standard actions, a text made from the model and the permission it needs.
A viewset's docstring is never repeated on its operations.
"""

import inspect
import re

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from drf_spectacular.plumbing import get_doc
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated

from factory.api.permissions import HasRolePermission

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

# Plain schemas rather than serializers: they add no component that could clash with an app's.
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_SCHEMA = {"type": "object", "additionalProperties": {}}

ERROR_RESPONSES = {
    400: OpenApiResponse(
        VALIDATION_SCHEMA,
        description='Invalid input: `{"field": ["message", …]}` or `{"non_field_errors": […]}`.',
    ),
    401: OpenApiResponse(
        DETAIL_SCHEMA,
        description="No valid credentials: missing, expired, tampered or revoked token, "
        "inactive or deleted user.",
    ),
    403: OpenApiResponse(
        DETAIL_SCHEMA, description="Signed in, but the role does not allow this (or CSRF failed)."
    ),
    404: OpenApiResponse(DETAIL_SCHEMA, description="No such record, or no such page of a list."),
    409: CONFLICT_RESPONSE,
    413: OpenApiResponse(DETAIL_SCHEMA, description="The request body is larger than allowed."),
    415: OpenApiResponse(DETAIL_SCHEMA, description="The request body is not JSON."),
    422: OpenApiResponse(
        DETAIL_SCHEMA,
        description="This Idempotency-Key was already used with a different request.",
    ),
    429: OpenApiResponse(
        DETAIL_SCHEMA, description="Too many requests; see the Retry-After header."
    ),
}

RETRY_AFTER_HEADER = {
    "schema": {"type": "integer"},
    "description": "Seconds to wait before trying again.",
}


def request_example(summary: str, value: dict) -> OpenApiExample:
    """A request body example: a valid request (factory/tests/test_docs_operations.py posts each one).

    Ids name records of the demo data (`make run`): customer 1, employee 1, products 1 and 2.
    """
    return OpenApiExample(summary, value=value, request_only=True)


UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
JSON_MEDIA_TYPES = {"application/json"}

# (summary, description) of the standard actions; {name}/{plural} are the model's verbose names.
STANDARD_OPERATIONS = {
    "list": (
        "List {plural}",
        "A page of {plural} (`?page`, `?page_size` up to 100), narrowed and ordered by the query "
        "parameters below.",
    ),
    "create": (
        "Create a {name}",
        "Creates a {name} from the body and answers 201 with it as stored; a refused field is a "
        "400 naming it, and nothing is written.",
    ),
    "retrieve": ("Get a {name}", "The {name} with this id; 404 when there is none."),
    "update": (
        "Replace a {name}",
        "Replaces every writable field of the {name} (PATCH changes only the fields sent).",
    ),
    "partial_update": (
        "Change a {name}",
        "Changes only the fields sent; the others keep their values.",
    ),
    "destroy": ("Delete a {name}", "Deletes the {name}: 204 with no body."),
}
# Frameworks whose handlers' docstrings describe the framework, not this API.
FRAMEWORK_MODULES = ("rest_framework", "rest_framework_simplejwt", "django", "drf_spectacular")


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema plus the SPEC §3 error answers each operation can give."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self.error_codes():
            if str(code) not in responses:
                # JSON whatever was asked for: the reports render their errors as JSON, not CSV.
                responses[str(code)] = self._get_response_for_code(
                    ERROR_RESPONSES[code],
                    str(code),
                    media_types=sorted(JSON_MEDIA_TYPES),
                    direction=direction,
                )
        if "429" in responses:
            responses["429"].setdefault("headers", {}).setdefault("Retry-After", RETRY_AFTER_HEADER)
        return responses

    def _get_parameters(self):
        parameters = super()._get_parameters()
        # DRF and django-filter read an empty optional query value (`?date_to=`, as the browsable
        # API's filter form sends) as "not given": say so, rather than call it an invalid date.
        return [
            {**p, "allowEmptyValue": True} if p["in"] == "query" and not p.get("required") else p
            for p in parameters
        ]

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if _is_nullable_read_only_relation(field):
            # A declared `SlugRelatedField(read_only=True)` over a `null=True` foreign key renders
            # null when the row points nowhere (e.g. `created_by` of a deleted user): say so.
            meta["nullable"] = True
        return meta

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        # A non-JSON rendering (the reports' `?format=csv`) is text, not the JSON object it renders.
        for media_type, content in response.get("content", {}).items():
            if media_type not in JSON_MEDIA_TYPES and media_type.startswith("text/"):
                content["schema"] = {"type": "string"}
        return response

    def get_summary(self):
        summary = super().get_summary()  # extend_schema(summary=...)
        if summary:
            return summary
        own = self._own_doc()
        if own:
            return _first_clause(own)
        standard = self._standard_operation()
        return standard[0] if standard else None

    def get_description(self):
        given = super().get_description()  # a docstring (extend_schema's text bypasses this)
        if given == get_doc(self.view.__class__):
            given = ""  # the viewset's text: not this operation's own
        standard = self._standard_operation()
        return given or self._own_doc() or (standard[1] if standard else "")

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        permission = self._permission_sentence()
        if operation is not None and permission:
            description = operation.get("description", "")
            operation["description"] = f"{description} {permission}".strip()
        return operation

    def _handler(self):
        return getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)

    def _own_doc(self) -> str:
        """The docstring of this operation alone: its handler's, or a one-operation view's."""
        handler = self._handler()
        module = inspect.getmodule(handler).__name__ if handler is not None else ""
        if handler is not None and not module.startswith(FRAMEWORK_MODULES) and get_doc(handler):
            return get_doc(handler)
        if getattr(self.view, "action", None) is None:  # an APIView: one handler per method
            methods = [m for m in self.view.allowed_methods if m not in ("OPTIONS", "HEAD")]
            if len(methods) == 1:
                return get_doc(self.view.__class__)
        return ""

    def _standard_operation(self):
        action = getattr(self.view, "action", None)
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        if action not in STANDARD_OPERATIONS or model is None:
            return None
        name = str(model._meta.verbose_name)
        names = {"name": name, "plural": model._meta.verbose_name_plural}
        texts = (text.format(**names) for text in STANDARD_OPERATIONS[action])
        return tuple(re.sub(r"\ba (?=[aeio])", "an ", text) for text in texts)

    def _permission_sentence(self) -> str:
        """Who may call the operation, as its permission classes decide."""
        permissions = self.view.get_permissions()
        if any(isinstance(p, AllowAny) for p in permissions):
            return "Open to anyone."
        role = [p for p in permissions if isinstance(p, HasRolePermission)]
        if role:
            needed = ", ".join(
                f"`{name}`" for name in role[0].required(self.view.request, self.view)
            )
            return f"Needs the {needed} permission of the caller's role."
        if any(isinstance(p, IsAuthenticated) for p in permissions):
            return "Needs a signed-in caller."
        return ""

    def error_codes(self) -> list[int]:
        """The SPEC §3 error statuses this operation can answer with."""
        view = self.view
        parameters = self._get_parameters()
        query_or_header = [p for p in parameters if p["in"] in ("query", "header")]
        has_body = self.method in {"POST", "PUT", "PATCH"} and bool(self._get_request_body())
        authenticates = bool(view.get_authenticators())
        restricted = any(
            not isinstance(p, (AllowAny, IsAuthenticated)) for p in view.get_permissions()
        )

        codes = []
        if has_body or query_or_header:
            codes.append(400)
        if authenticates:
            # A token that is bad, expired or revoked is refused even where no sign-in is needed.
            codes.append(401)
        if authenticates and (restricted or self.method in UNSAFE_METHODS):
            # No permission; or, for a session-authenticated write, a failed CSRF check.
            codes.append(403)
        if any(p["in"] == "path" for p in parameters) or query_or_header:
            # No such record; or no such page, or an unknown `?format=`.
            codes.append(404)
        if self.method in UNSAFE_METHODS and getattr(view, "queryset", None) is not None:
            # A business rule, or a unique constraint raced past validation (see exceptions.py).
            codes.append(409)
        if has_body:
            codes += [413, 415]
        if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in parameters):
            codes.append(422)
        if view.get_throttles():
            codes.append(429)
        return codes


def _is_nullable_read_only_relation(field) -> bool:
    if not (isinstance(field, serializers.RelatedField) and field.read_only) or field.allow_null:
        return False
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or "." in (field.source or ""):
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return bool(model_field.is_relation and model_field.null)


def _first_clause(text: str) -> str:
    """A summary line from a description: its first clause, without the full stop."""
    first = re.split(r"(?<=[.;:])\s|\n", text.strip(), maxsplit=1)[0]
    return first.rstrip(".;:")
