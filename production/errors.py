"""Production's domain errors (SPEC §13); rendered by the API's one exception handler."""

from factory.errors import ApplicationError


class BOMLocked(ApplicationError):
    """A BOM that production used: its lines and product never change and it is never deleted."""

    code = "bom_locked"
    default_message = (
        "This bill of materials was used by production and is locked; copy it instead."
    )
