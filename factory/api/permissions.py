from rest_framework.permissions import DjangoModelPermissions

VIEW = "%(app_label)s.view_%(model_name)s"


class HasRolePermission(DjangoModelPermissions):
    """DRF's model permissions, read from the caller's role (`accounts.backends.RoleBackend`).

    What differs from `DjangoModelPermissions`: reading needs `view_<model>` too; custom
    actions and model-less views name their permission instead
    (`permission_classes=[HasRolePermission.require("orders.change_order")]`); and a method
    the view does not offer is a 405 for every signed-in caller, whatever their role (it is
    not theirs to be refused). No credentials → 401, no permission → 403.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": [VIEW],
        "HEAD": [VIEW],
        "OPTIONS": [VIEW],
    }
    permission: str | None = None

    @classmethod
    def require(cls, permission: str) -> type["HasRolePermission"]:
        """This permission class, fixed to one `"app_label.codename"`."""
        return type(f"Requires_{permission.replace('.', '_')}", (cls,), {"permission": permission})

    def required(self, request, view) -> list[str]:
        """The permission strings this request needs (the schema names them in each operation)."""
        if self.permission:
            return [self.permission]
        model = self._queryset(view).model
        return self.get_required_permissions(request.method, model)

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not _offers(view, request.method):
            return True  # DRF answers 405 next
        if self.permission:
            return user.has_perm(self.permission)
        return super().has_permission(request, view)


def _offers(view, method: str) -> bool:
    """Whether the view handles `method` (a viewset binds a handler per routed method)."""
    handler = method.lower()
    return handler in view.http_method_names and hasattr(view, handler)
