"""Every write to production records and bills of materials."""

from production.services.boms import bom_activate, bom_copy, bom_create, bom_delete, bom_update
from production.services.records import production_create, production_delete, production_update

__all__ = [
    "bom_activate",
    "bom_copy",
    "bom_create",
    "bom_delete",
    "bom_update",
    "production_create",
    "production_delete",
    "production_update",
]
