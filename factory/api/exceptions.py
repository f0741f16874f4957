"""The one DRF exception handler: domain errors (`factory.errors`) and others as SPEC §3 JSON."""

import logging

from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from factory.errors import ApplicationError, InUse

logger = logging.getLogger("factory.api")


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A backing service is unavailable; try again shortly."
    default_code = "service_unavailable"


class JSONErrorsMixin:
    """Errors and OPTIONS answer JSON on views whose own renderers draw only their content.

    A Swagger UI page, an OpenAPI document or CSV rows cannot show `{"detail": ...}`: with
    them, an error (SPEC §3: errors are JSON) or OPTIONS's description of the view is
    rendered as JSON instead. The JSON and browsable-API renderers draw errors themselves.
    """

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)  # none if negotiation failed
        if (getattr(response, "exception", False) or request.method == "OPTIONS") and type(
            renderer
        ) not in (JSONRenderer, BrowsableAPIRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def exception_handler(exc, context):
    """DRF's handler plus domain errors, Django validation errors and database outages."""
    response = error_response(exc, context)
    if response is not None:
        return response
    if isinstance(exc, SuspiciousOperation):
        # Too many fields or files: Django's own path answers it (handler400) and logs a warning.
        raise exc
    # Anything else is a bug: log it with its traceback, answer without one.
    logger.error("unhandled API error", exc_info=exc)
    return Response(
        {"detail": "Internal server error."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR
    )


def error_response(exc, context=None) -> Response | None:
    """The SPEC §3 answer to an error the API knows, or None for anything else (a bug)."""
    if isinstance(exc, (ProtectedError, RestrictedError)):
        # Services turn these into InUse with a specific message; this is the safety net.
        exc = InUse()
    if isinstance(exc, IntegrityError):
        # A uniqueness race that validation could not see; the database refused it.
        logger.warning("integrity error: %s", exc)
        exc = ApplicationError("The request conflicts with existing data; reload and retry.")
    if isinstance(exc, DataError):
        # A value out of the column's range that validation let through; the database refused it.
        logger.warning("data error: %s", exc)
        exc = exceptions.ValidationError("A value is out of the range the database can store.")
    if isinstance(exc, ObjectDoesNotExist):
        # A record the request named was deleted by another request before a service locked it.
        exc = exceptions.NotFound()
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
        exc = ServiceUnavailable()
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, list):
        exc = exceptions.ValidationError({"non_field_errors": exc.detail})
    return drf_exception_handler(exc, context or {})
