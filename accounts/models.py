from django.contrib.auth.models import AbstractUser, Permission
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models

from accounts.roles import ADMIN, BUILTIN_ROLES, USER


class Role(models.Model):
    """A named set of permissions; each user has exactly one role.

    The role is the one source of truth for access, in the API and in the
    Django admin alike (see `accounts.backends.RoleBackend`). The built-in
    `admin` role holds every permission, including those added later.
    """

    name = models.SlugField(max_length=50, unique=True)
    description = models.CharField(max_length=255, blank=True)
    permissions = models.ManyToManyField(Permission, blank=True, related_name="roles")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_admin(self) -> bool:
        return self.name == ADMIN

    @property
    def is_builtin(self) -> bool:
        return self.name in BUILTIN_ROLES

    def permission_names(self) -> set[str]:
        """`{"app_label.codename", ...}` this role grants."""
        if self.is_admin:
            perms = Permission.objects.select_related("content_type")
        elif "permissions" in getattr(self, "_prefetched_objects_cache", {}):
            perms = self.permissions.all()
        else:
            perms = self.permissions.select_related("content_type")
        return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


class UserManager(DjangoUserManager):
    """Django's manager, minus the staff/superuser flags: access comes from the role."""

    def get_queryset(self):
        # Every access check reads the role: load it with the user.
        return super().get_queryset().select_related("role")

    def create_user(self, username, email=None, password=None, **extra_fields):
        return self._create_user(username, email, password, **extra_fields)

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """`createsuperuser` makes a user with the admin role."""
        extra_fields.setdefault("role", Role.objects.get(name=ADMIN))
        return self._create_user(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. Staff and superuser status come from the role, not from flags."""

    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="users")

    # One permission system: the role's. Django's per-user and group grants are removed.
    groups = None
    user_permissions = None

    objects = UserManager()

    class Meta:
        ordering = ["id"]

    @property
    def is_staff(self) -> bool:
        """Admin-role users may sign in to /admin/."""
        return self.role.is_admin

    @property
    def is_superuser(self) -> bool:
        return self.role.is_admin

    def save(self, *args, **kwargs):
        if self.role_id is None:
            self.role = Role.objects.get(name=USER)
        super().save(*args, **kwargs)
