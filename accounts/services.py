"""Every write to users, roles and tokens. The API, the admin and management commands call these.

`actor` is the user on whose behalf a change is made; the API always passes `request.user`
(an `AnonymousUser` for a visitor). `actor=None` means trusted code (a management command,
a data migration, the shell) and skips the checks on who may do what.

Nobody can hand out more than they hold: assigning a role, managing a user or editing a
role needs the caller to hold every permission involved, so a role with `accounts.change_user`
or `accounts.change_role` alone cannot be used to climb to admin.
"""

from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts import selectors
from accounts.models import USERNAME_TAKEN, Role, User
from accounts.roles import ADMIN, USER
from factory.errors import InUse
from factory.services import instance_delete

Actor = User | AnonymousUser | None

LAST_ADMIN_MESSAGE = "This is the last active admin; make another user admin first."
ROLE_NAME_TAKEN = "A role with that name already exists."


# --- Who may do what ---------------------------------------------------------------


def _holds(*, actor: Actor, permissions: Iterable[str]) -> bool:
    if actor is None:
        return True
    if not (actor.is_authenticated and actor.is_active):
        return False
    return actor.is_superuser or set(permissions) <= actor.get_all_permissions()


def _require(*, actor: Actor, permission: str, role: Role | None = None, message: str) -> None:
    """`actor` needs `permission` and, when a role is at stake, every permission of that role."""
    if actor is None or (actor.is_active and actor.is_superuser):
        return
    granted = role.permission_names() if role is not None else set()
    if not _holds(actor=actor, permissions={permission, *granted}):
        raise PermissionDenied(message)


def _password_validate(*, password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _require_an_admin_remains(*, user: User, deleting: bool = False) -> None:
    """Refuse a change that would leave no active admin-role user to run the back office."""
    stays_admin = not deleting and user.is_active and user.role.is_admin
    if (
        stays_admin
        or not User.objects.filter(pk=user.pk, role__name=ADMIN, is_active=True).exists()
    ):
        return
    # The admin role's row is the lock every such change queues on, so two admins
    # demoting each other at once cannot both succeed.
    Role.objects.select_for_update().get(name=ADMIN)
    if not selectors.user_active_admins().exclude(pk=user.pk).exists():
        raise InUse(LAST_ADMIN_MESSAGE, code="last_admin")


# --- Users -------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: Role | None = None,
    actor: Actor = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Sign a user up, with the `user` role unless another is given.

    Raises PermissionDenied if `actor` may not hand out `role`, ValidationError for a weak
    password or a username already taken.
    """
    role = role or Role.objects.get(name=USER)
    if role.name != USER:
        _require(
            actor=actor,
            permission="accounts.add_user",
            role=role,
            message=f"You may not assign the role '{role.name}'.",
        )
    user = User(
        username=User.normalize_username(username),
        email=User.objects.normalize_email(email),
        first_name=first_name,
        last_name=last_name,
        role=role,
    )
    taken = ValidationError({"username": [USERNAME_TAKEN]})
    # Case-insensitively, as MariaDB's collation compares them: "Clerk" and "clerk" collide
    # on SQLite too.
    if User.objects.username_taken(user.username):
        raise taken
    _password_validate(password=password, user=user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        if User.objects.username_taken(user.username):
            raise taken from exc
        raise
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    actor: Actor = None,
    role: Role | None = None,
    is_active: bool | None = None,
    password: str | None = None,
    username: str | None = None,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> User:
    """Change a user's role, active flag, password or profile; `None` leaves a field as it is.

    A new password revokes every token the user holds; deactivation blacklists every refresh
    token they hold, so none works again if they are reactivated. Raises PermissionDenied if
    `actor` may not manage this user or assign `role`, InUse (`last_admin`) if no active admin
    would be left, ValidationError for a weak password.
    """
    _require(
        actor=actor,
        permission="accounts.change_user",
        role=user.role,
        message="You may not change this user.",
    )
    if role is not None and role.pk != user.role_id:
        _require(
            actor=actor,
            permission="accounts.change_user",
            role=role,
            message=f"You may not assign the role '{role.name}'.",
        )
        user.role = role
    deactivating = is_active is False and user.is_active
    if is_active is not None:
        user.is_active = is_active
    if username is not None:
        username = User.normalize_username(username)
        if User.objects.username_taken(username, exclude=user):
            raise ValidationError({"username": [USERNAME_TAKEN]})
    profile = {
        "username": username,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
    }
    for field, value in profile.items():
        if value is not None:
            setattr(user, field, value)
    if password is not None:
        _password_validate(password=password, user=user)
        user.set_password(password)
    _require_an_admin_remains(user=user)
    user.save()
    if deactivating:
        _refresh_tokens_revoke(user=user)
    return user


@transaction.atomic
def user_delete(*, user: User, actor: Actor = None) -> None:
    """Delete a user. Raises PermissionDenied, InUse (`last_admin`, or records still refer to them)."""
    _require(
        actor=actor,
        permission="accounts.delete_user",
        role=user.role,
        message="You may not delete this user.",
    )
    _require_an_admin_remains(user=user, deleting=True)
    instance_delete(
        user, in_use_message="Records still refer to this user; deactivate them instead."
    )


# --- Roles -------------------------------------------------------------------------


def _permission_names(permissions: Iterable[Permission]) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def _role_save(*, role: Role) -> None:
    """Save `role`, refusing a name another role has in any letter case (ValidationError)."""
    taken = ValidationError({"name": [ROLE_NAME_TAKEN]})
    if selectors.role_name_taken(role.name, role=role):
        raise taken
    try:
        with transaction.atomic():
            role.save()
    except IntegrityError as exc:  # a concurrent twin; MariaDB's unique index decides
        if selectors.role_name_taken(role.name, role=role):
            raise taken from exc
        raise


@transaction.atomic
def role_create(
    *,
    name: str,
    description: str = "",
    permissions: Iterable[Permission] = (),
    actor: Actor = None,
) -> Role:
    """Create a role. Raises PermissionDenied if it would grant a permission `actor` lacks,
    ValidationError if another role has its name in any letter case."""
    permissions = list(permissions)
    if actor is not None and not _holds(
        actor=actor, permissions={"accounts.add_role", *_permission_names(permissions)}
    ):
        raise PermissionDenied("You may not grant permissions you do not hold.")
    role = Role(name=name, description=description)
    _role_save(role=role)
    role.permissions.set(permissions)
    return role


@transaction.atomic
def role_update(
    *,
    role: Role,
    actor: Actor = None,
    name: str | None = None,
    description: str | None = None,
    permissions: Iterable[Permission] | None = None,
) -> Role:
    """Rename a role, describe it or replace its permissions.

    Raises InUse (`builtin_role`) to rename a built-in role or to list the admin role's
    permissions (it always holds every one); PermissionDenied if `actor` lacks a permission
    the role holds or would get; ValidationError if another role has the new name in any
    letter case.
    """
    if name is not None and name != role.name and role.is_builtin:
        raise InUse("Built-in roles cannot be renamed.", code="builtin_role")
    if permissions is not None and role.is_admin:
        raise InUse("The admin role always holds every permission.", code="builtin_role")
    permissions = list(permissions) if permissions is not None else None
    if actor is not None:
        involved = role.permission_names() | _permission_names(permissions or [])
        if not _holds(actor=actor, permissions={"accounts.change_role", *involved}):
            raise PermissionDenied("You may not change a role with permissions you do not hold.")
    if name is not None:
        role.name = name
    if description is not None:
        role.description = description
    _role_save(role=role)
    if permissions is not None:
        role.permissions.set(permissions)
    return role


@transaction.atomic
def role_delete(*, role: Role, actor: Actor = None) -> None:
    """Delete a role. Raises InUse for a built-in role (`builtin_role`) or one users hold (`in_use`)."""
    _require(actor=actor, permission="accounts.delete_role", message="You may not delete roles.")
    if role.is_builtin:
        raise InUse(f"The built-in role '{role.name}' cannot be deleted.", code="builtin_role")
    in_use = f"The role '{role.name}' is held by users and cannot be deleted."
    if role.users.exists():
        raise InUse(in_use)
    instance_delete(role, in_use_message=in_use)


# --- Tokens ------------------------------------------------------------------------


def _refresh_tokens_revoke(*, user: User) -> None:
    """Blacklist every unexpired refresh token `user` holds that is not blacklisted yet."""
    outstanding = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )


def _token_user(token: RefreshToken) -> User:
    """The user a refresh token was issued to, if they still exist, are active and kept their password.

    Their row stays locked until the caller's transaction ends, so a deactivation cannot slip
    between this check and the new refresh token (it would miss that token when it revokes).
    """
    users = User.objects.select_related(None).select_for_update()
    try:
        user = users.filter(pk=token.get(jwt_settings.USER_ID_CLAIM)).first()
    except (TypeError, ValueError):
        user = None
    if (
        user is None
        or not user.is_active
        or token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password)
    ):
        raise TokenError(_("Token is invalid or expired"))
    return user


def token_refresh(*, refresh: str) -> dict[str, str]:
    """Trade a refresh token for a new access and refresh token, blacklisting the old one.

    The blacklist row is the arbiter: when the same token is presented twice at once, only
    the request that inserts it gets new tokens. Raises TokenError if the token is malformed,
    expired, blacklisted, or its user is gone, inactive or has changed password since.
    """
    token = RefreshToken(refresh)
    with transaction.atomic():
        user = _token_user(token)
        _entry, created = token.blacklist()
        if not created:
            raise TokenError(_("Token is blacklisted"))
        new = RefreshToken.for_user(user)
    return {"access": str(new.access_token), "refresh": str(new)}


def token_blacklist(*, refresh: str, user: User) -> None:
    """Sign out: blacklist `user`'s refresh token. Raises TokenError if it is invalid or someone else's."""
    token = RefreshToken(refresh)
    if str(token.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise TokenError(_("Token is invalid or expired"))
    with transaction.atomic():
        token.blacklist()
