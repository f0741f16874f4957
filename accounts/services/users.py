"""Users: sign-up, changes by an admin, one's own password, deletion; the last-admin rule."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from accounts import selectors
from accounts.models import USERNAME_TAKEN, Role, User
from accounts.roles import ADMIN, USER
from accounts.services.actors import Actor, actor_require, actor_validate
from accounts.services.tokens import refresh_tokens_revoke
from factory.errors import InUse
from factory.services import instance_delete, instance_save

LAST_ADMIN_MESSAGE = "This is the last active admin; make another user admin first."
CURRENT_PASSWORD_WRONG = "Your current password was entered incorrectly."  # noqa: S105


def _password_validate(*, password: str, user: User, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _save(user: User) -> User:
    """Validate and write `user`, refusing a username another user has in any letter case."""
    return instance_save(
        user,
        conflicts=lambda: (
            {"username": [USERNAME_TAKEN]}
            if User.objects.username_taken(user.username, exclude=user if user.pk else None)
            else {}
        ),
    )


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


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    role: Role | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Sign a user up, with the `user` role unless another is given.

    Raises PermissionDenied if `actor` may not hand out `role`, ValidationError for a weak
    password or a username already taken in any letter case.
    """
    actor_validate(actor)
    role = role or Role.objects.get(name=USER)  # a missing built-in role is a broken install: 500
    if role.name != USER:
        actor_require(
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
    _password_validate(password=password, user=user)
    user.set_password(password)
    return _save(user)


@transaction.atomic
def user_update(
    *,
    user: User,
    actor: Actor,
    role: Role | None = None,
    is_active: bool | None = None,
    password: str | None = None,
    username: str | None = None,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> User:
    """Change a user's role, active flag, password or profile; `None` leaves a field as it is.

    A new password revokes every token the user holds. Deactivation revokes them too: every
    refresh token is blacklisted and the user's token generation moves on, so no token issued
    before works again if they are reactivated. Raises PermissionDenied if `actor` may not
    manage this user or assign `role`, InUse (`last_admin`) if no active admin would be left,
    ValidationError for a weak password or a taken username.
    """
    actor_require(
        actor=actor,
        permission="accounts.change_user",
        role=user.role,
        message="You may not change this user.",
    )
    if role is not None and role.pk != user.role_id:
        actor_require(
            actor=actor,
            permission="accounts.change_user",
            role=role,
            message=f"You may not assign the role '{role.name}'.",
        )
        user.role = role
    deactivating = is_active is False and user.is_active
    if is_active is not None:
        user.is_active = is_active
    profile = {
        "username": User.normalize_username(username) if username is not None else None,
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
    _save(user)
    if deactivating:
        _tokens_revoke(user=user)
    return user


def _tokens_revoke(*, user: User) -> None:
    """Every token `user` holds stops working, for good: a new generation, refresh tokens blacklisted."""
    User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])
    refresh_tokens_revoke(user=user)


@transaction.atomic
def user_password_change(*, actor: User, current_password: str, new_password: str) -> User:
    """The signed-in `actor` changes their own password; every token issued before stops working.

    Raises ValidationError on `current_password` if it is wrong, on `new_password` if Django's
    validators refuse it.
    """
    if not (actor.is_authenticated and actor.check_password(current_password)):
        raise ValidationError({"current_password": [CURRENT_PASSWORD_WRONG]})
    _password_validate(password=new_password, user=actor, field="new_password")
    actor.set_password(new_password)  # the tokens' password digest no longer matches
    actor.save(update_fields=["password"])
    refresh_tokens_revoke(user=actor)
    return actor


@transaction.atomic
def user_delete(*, user: User, actor: Actor) -> None:
    """Delete a user. Raises PermissionDenied, InUse (`last_admin`, or records still refer to them)."""
    actor_require(
        actor=actor,
        permission="accounts.delete_user",
        role=user.role,
        message="You may not delete this user.",
    )
    _require_an_admin_remains(user=user, deleting=True)
    instance_delete(
        user, in_use_message="Records still refer to this user; deactivate them instead."
    )
