from django.core.exceptions import ImproperlyConfigured
from rest_framework.permissions import BasePermission

ACTION_BY_METHOD = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class HasRolePermission(BasePermission):
    """The caller's role must grant `<app>.<action>_<model>` for the view's model.

    Custom actions and model-less views name their permission instead:
    `permission_classes=[HasRolePermission.require("orders.change_order")]`.
    No credentials → 401, no permission → 403. A method the view does not offer is a 405
    for every signed-in caller, whatever their role: it is not theirs to be refused.
    """

    permission: str | None = None

    @classmethod
    def require(cls, permission: str) -> type["HasRolePermission"]:
        """This permission class, fixed to one `"app_label.codename"`."""
        return type(f"Requires_{permission.replace('.', '_')}", (cls,), {"permission": permission})

    def get_required_permission(self, request, view) -> str:
        if self.permission:
            return self.permission
        queryset = getattr(view, "queryset", None)
        if queryset is None and hasattr(view, "get_queryset"):
            queryset = view.get_queryset()
        if queryset is None:
            raise ImproperlyConfigured(
                f"{view.__class__.__name__} needs a queryset, "
                "or HasRolePermission.require('app_label.codename')."
            )
        opts = queryset.model._meta
        return (
            f"{opts.app_label}.{ACTION_BY_METHOD.get(request.method, 'change')}_{opts.model_name}"
        )

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not _offers(view, request.method):
            return True  # DRF answers 405 next
        return user.has_perm(self.get_required_permission(request, view))


def _offers(view, method: str) -> bool:
    """Whether the view handles `method` (a viewset binds a handler per routed method)."""
    handler = method.lower()
    return handler in view.http_method_names and hasattr(view, handler)
