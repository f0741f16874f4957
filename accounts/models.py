from django.contrib.auth.models import AbstractUser, Permission
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import ADMIN, BUILTIN_ROLES, USER
from factory.history import TrackedHistory


class Role(models.Model):
    """A named set of permissions; each user has exactly one role.

    The role is the one source of truth for access, in the API and in the
    Django admin alike (see `accounts.backends.RoleBackend`). The built-in
    `admin` role holds every permission, including those added later.
    """

    name = models.SlugField(max_length=50, unique=True)
    description = models.CharField(max_length=255, blank=True)
    permissions = models.ManyToManyField(Permission, blank=True, related_name="roles")

    history = TrackedHistory(m2m_fields=["permissions"])

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


USERNAME_TAKEN = _("A user with that username already exists.")


class UserManager(DjangoUserManager):
    """Django's manager, minus the staff/superuser flags: access comes from the role."""

    def get_queryset(self):
        # Every access check reads the role: load it with the user.
        return super().get_queryset().select_related("role")

    def get_by_natural_key(self, username):
        """The user a sign-in names: trimmed, NFKC-normalised and in any letter case.

        `createsuperuser` asks this too whether a username is taken. The exact name wins, so
        that users created before names were unique in any letter case can still sign in;
        a name that only matches several of them in other cases names nobody.
        """
        username = self.model.normalize_username(username)
        try:
            return self.get(username=username)
        except self.model.DoesNotExist:
            try:
                return self.get(username__iexact=username)
            except self.model.MultipleObjectsReturned as exc:
                raise self.model.DoesNotExist(username) from exc

    def username_taken(self, username: str, *, exclude=None) -> bool:
        """True if a user (other than `exclude`) has `username` (normalised) in any letter case:
        usernames are unique case-insensitively, as MariaDB's collation compares them."""
        taken = self.filter(username__iexact=self.model.normalize_username(username))
        return taken.exclude(pk=exclude.pk).exists() if exclude else taken.exists()

    def create_user(self, username, email=None, password=None, **extra_fields):
        return self._create_user(username, email, password, **extra_fields)

    def _create_user(self, username, email, password, **extra_fields):
        if self.username_taken(username):
            raise ValidationError({"username": [USERNAME_TAKEN]})
        return super()._create_user(username, email, password, **extra_fields)

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """`createsuperuser` makes a user with the admin role."""
        extra_fields.setdefault("role", Role.objects.get(name=ADMIN))
        return self._create_user(username, email, password, **extra_fields)


USER_QUIET_FIELDS = ("last_login", "token_generation")
USER_HISTORY_EXCLUDED_FIELDS = ("password", *USER_QUIET_FIELDS)


class User(AbstractUser):
    """A person who signs in. Staff and superuser status come from the role, not from flags."""

    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="users")
    # Carried by every token as `gen` (accounts.tokens); moving it on revokes every token issued
    # before, access tokens included (deactivation does).
    token_generation = models.PositiveIntegerField(default=0, editable=False)

    # One permission system: the role's. Django's per-user and group grants are removed.
    groups = None
    user_permissions = None

    objects = UserManager()

    # Never the password (nor its hash); sign-ins and token revocations are bookkeeping.
    history = TrackedHistory(
        excluded_fields=USER_HISTORY_EXCLUDED_FIELDS, quiet_fields=USER_QUIET_FIELDS
    )

    class Meta:
        ordering = ["id"]

    @classmethod
    def normalize_username(cls, username):
        """NFKC-normalised and trimmed: how a username is stored, looked up and throttled."""
        username = super().normalize_username(username)
        return username.strip() if isinstance(username, str) else username

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
