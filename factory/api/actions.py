"""Custom viewset actions guarded by a role permission."""

from rest_framework.decorators import action

from factory.api.permissions import HasRolePermission


def role_action(permission: str, **kwargs):
    """A viewset `@action` guarded by one role permission (`"app_label.codename"`).

    The actions act on one record or post a body: the list's filters and search do not apply.
    """
    return action(
        permission_classes=[HasRolePermission.require(permission)], filter_backends=[], **kwargs
    )
