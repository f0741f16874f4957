import json

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import demo, services
from accounts.backends import RoleBackend
from accounts.models import Role, User
from accounts.roles import ADMIN, USER
from accounts.tests.factories import (
    PASSWORD,
    accounts_state,
    make_account,
    make_role,
    permissions_named,
)
from factory.errors import InUse

pytestmark = pytest.mark.django_db

# The records each domain endpoint serves; their apps' migrations grant the `user` role view + add.
DOMAIN_MODELS = [
    "customers.customer",
    "employees.employee",
    "products.product",
    "production.productionrecord",
    "orders.order",
    "purchasing.supplier",
    "purchasing.purchaseorder",
]
# Custom action permissions the built-in `user` role holds (SPEC §4: clerks receive deliveries).
# The custom actions the user role has (SPEC §4, §14, §16): receiving deliveries, shipping orders.
USER_ACTIONS = {"purchasing.receive_purchaseorder", "orders.ship_order"}


# --- Built-in roles ------------------------------------------------------------------


def test_builtin_roles_are_created_by_migration():
    assert set(Role.objects.values_list("name", flat=True)) >= {ADMIN, USER}
    assert Role.objects.get(name=ADMIN).is_builtin and Role.objects.get(name=USER).is_builtin


def test_admin_role_holds_every_permission_including_ones_added_later():
    admin = Role.objects.get(name=ADMIN)
    every = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.all()}
    assert admin.permission_names() == every
    assert {"accounts.delete_user", "accounts.change_role", "reports.view_reports"} <= every

    content_type = ContentType.objects.create(app_label="later", model="gadget")
    Permission.objects.create(content_type=content_type, codename="fly_gadget", name="Can fly")

    assert "later.fly_gadget" in Role.objects.get(name=ADMIN).permission_names()
    assert make_account(role=ADMIN).has_perm("later.fly_gadget")


def test_user_role_views_and_adds_domain_records_and_nothing_on_accounts():
    names = Role.objects.get(name=USER).permission_names()
    assert "reports.view_reports" in names
    assert not [name for name in names if name.startswith("accounts.")]
    assert names >= USER_ACTIONS
    codenames = {name.split(".")[1] for name in names - {"reports.view_reports"} - USER_ACTIONS}
    assert all(code.startswith(("view_", "add_")) for code in codenames), codenames
    for model in DOMAIN_MODELS:
        app_label, model_name = model.split(".")
        assert {f"{app_label}.view_{model_name}", f"{app_label}.add_{model_name}"} <= names


# --- The role backend ----------------------------------------------------------------


def test_role_backend_permissions_come_from_the_role_only():
    role = make_role("accounts.view_user")
    user = make_account(role=role)
    assert user.has_perm("accounts.view_user")
    assert not user.has_perm("accounts.change_user")
    assert user.get_all_permissions() == {"accounts.view_user"}
    assert user.has_module_perms("accounts") and not user.has_module_perms("reports")
    assert not user.is_staff and not user.is_superuser


def test_role_backend_sees_a_role_change_on_the_next_load():
    role = make_role("accounts.view_user")
    user = make_account(role=role)
    role.permissions.set(permissions_named("accounts.view_role"))
    fresh = User.objects.get(pk=user.pk)
    assert fresh.has_perm("accounts.view_role") and not fresh.has_perm("accounts.view_user")


def test_role_backend_inactive_user_has_no_permissions():
    user = make_account(role=ADMIN, is_active=False)
    assert not user.has_perm("accounts.view_user")
    assert RoleBackend().get_all_permissions(user) == set()
    assert RoleBackend().get_all_permissions(AnonymousUser()) == set()


def test_role_backend_with_perm_lists_holders_and_admins():
    viewer = make_account(role=make_role("accounts.view_user"))
    clerk = make_account(role=USER)
    boss = make_account(role=ADMIN)
    make_account(role=ADMIN, is_active=False)
    holders = set(RoleBackend().with_perm("accounts.view_user"))
    assert holders == {viewer, boss}
    assert clerk not in holders
    assert set(RoleBackend().with_perm("accounts.view_user", include_superusers=False)) == {viewer}


# --- createsuperuser -----------------------------------------------------------------


def test_createsuperuser_noinput_gives_the_admin_role(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, verbosity=0)
    user = User.objects.get(username="root")
    assert user.role.name == ADMIN and user.email == "root@example.com"
    assert user.is_staff and user.is_superuser and user.is_active
    assert user.password.startswith("argon2") and user.check_password(PASSWORD)


@pytest.mark.parametrize("variant", ["ROOT2", "Root2", " root2 "])
def test_createsuperuser_noinput_refuses_a_case_variant_of_a_taken_username(monkeypatch, variant):
    make_account(username="root2")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    before = accounts_state()
    with pytest.raises(CommandError, match="already taken"):
        call_command(
            "createsuperuser",
            "--noinput",
            username=variant,
            email="root@example.com",
            verbosity=0,
        )
    assert accounts_state() == before


def test_create_superuser_manager_refuses_a_case_variant_of_a_taken_username():
    make_account(username="root2")
    before = accounts_state()
    with pytest.raises(ValidationError) as refused:
        User.objects.create_superuser("ROOT2", "root@example.com", PASSWORD)
    assert "username" in refused.value.message_dict
    assert accounts_state() == before


def test_create_superuser_manager_gives_the_admin_role():
    user = User.objects.create_superuser("chief", "chief@example.com", PASSWORD)
    assert user.role.name == ADMIN and user.is_staff


def test_user_save_without_role_gets_the_user_role():
    user = User(username="plain")
    user.set_password(PASSWORD)
    user.save()
    assert user.role.name == USER and not user.is_staff


# --- user_create -----------------------------------------------------------------------


def test_user_create_defaults_to_user_role_with_argon2_hash():
    user = services.user_create(username="newbie", password=PASSWORD, actor=AnonymousUser())
    assert user.role.name == USER and user.is_active
    assert user.password.startswith("argon2") and user.check_password(PASSWORD)


@pytest.mark.parametrize("password", ["short1", "password123", "12345678901", "newbie12"], ids=str)
def test_user_create_weak_password_raises_and_creates_nothing(password):
    before = accounts_state()
    with pytest.raises(ValidationError) as exc_info:
        services.user_create(username="newbie", password=password, actor=AnonymousUser())
    assert "password" in exc_info.value.message_dict
    assert accounts_state() == before


def test_user_create_taken_username_raises_and_creates_nothing():
    make_account(username="taken")
    before = accounts_state()
    with pytest.raises(ValidationError) as exc_info:
        services.user_create(actor=services.SYSTEM, username="taken", password=PASSWORD)
    assert "username" in exc_info.value.message_dict
    assert accounts_state() == before


@pytest.mark.parametrize("actor_role", [None, USER, "viewer"], ids=["anonymous", "user", "viewer"])
def test_user_create_other_role_without_admin_caller_is_refused(actor_role):
    viewer = make_role("accounts.view_user", name="viewer")
    actor = AnonymousUser() if actor_role is None else make_account(role=actor_role)
    before = accounts_state()
    for role in (Role.objects.get(name=ADMIN), viewer):
        with pytest.raises(PermissionDenied):
            services.user_create(username="climber", password=PASSWORD, role=role, actor=actor)
    assert accounts_state() == before


def test_user_create_other_role_by_admin_or_trusted_code():
    boss = make_account(role=ADMIN)
    admin_role = Role.objects.get(name=ADMIN)
    by_admin = services.user_create(username="a2", password=PASSWORD, role=admin_role, actor=boss)
    by_system = services.user_create(
        actor=services.SYSTEM, username="a3", password=PASSWORD, role=admin_role
    )
    assert by_admin.role == by_system.role == admin_role


def test_user_create_role_needs_every_permission_of_it():
    recruiter = make_account(role=make_role("accounts.add_user", "accounts.view_user"))
    services.user_create(
        username="ok",
        password=PASSWORD,
        role=make_role("accounts.view_user"),
        actor=recruiter,
    )
    before = accounts_state()
    with pytest.raises(PermissionDenied):
        services.user_create(
            username="no",
            password=PASSWORD,
            role=make_role("accounts.delete_user"),
            actor=recruiter,
        )
    assert accounts_state()["users"] == before["users"]


# --- user_update / user_delete ---------------------------------------------------------


def test_user_update_changes_role_active_flag_and_password():
    boss = make_account(role=ADMIN)
    clerk = make_account(role=USER)
    services.user_update(
        user=clerk,
        actor=boss,
        role=Role.objects.get(name=ADMIN),
        is_active=False,
        password="An0ther-passphrase",
    )
    clerk.refresh_from_db()
    assert clerk.role.name == ADMIN and not clerk.is_active
    assert clerk.check_password("An0ther-passphrase") and clerk.password.startswith("argon2")


def test_user_update_weak_password_is_refused_and_changes_nothing():
    boss = make_account(role=ADMIN)
    clerk = make_account(role=USER)
    before = accounts_state()
    with pytest.raises(ValidationError):
        services.user_update(user=clerk, actor=boss, password="123", is_active=False)
    assert accounts_state() == before


def test_user_update_rename_to_a_case_variant_of_a_taken_username_is_refused():
    boss = make_account(role=ADMIN)
    clerk = make_account(role=USER)
    before = accounts_state()
    with pytest.raises(ValidationError) as refused:
        services.user_update(user=clerk, actor=boss, username=f" {boss.username.upper()}")
    assert "username" in refused.value.message_dict
    assert accounts_state() == before
    # Its own name in another letter case is not "taken"; it is stored normalised and trimmed.
    shouted = clerk.username.upper()
    services.user_update(user=clerk, actor=boss, username=f"  {shouted}\ufb01 ")
    assert User.objects.get(pk=clerk.pk).username == f"{shouted}fi"


def test_user_update_by_role_without_change_user_is_refused():
    clerk = make_account(role=USER)
    before = accounts_state()
    with pytest.raises(PermissionDenied):
        services.user_update(user=clerk, actor=clerk, role=Role.objects.get(name=ADMIN))
    assert accounts_state() == before


def test_user_update_cannot_manage_a_user_with_more_permissions():
    manager = make_account(role=make_role("accounts.view_user", "accounts.change_user"))
    boss = make_account(role=ADMIN)
    before = accounts_state()
    with pytest.raises(PermissionDenied):
        services.user_update(user=boss, actor=manager, password="An0ther-passphrase")
    with pytest.raises(PermissionDenied):
        services.user_update(user=manager, actor=manager, role=Role.objects.get(name=ADMIN))
    assert accounts_state() == before


def test_user_update_manager_may_manage_users_with_fewer_permissions():
    manager = make_account(role=make_role("accounts.view_user", "accounts.change_user"))
    viewer = make_account(role=make_role("accounts.view_user"))
    services.user_update(user=viewer, actor=manager, is_active=False)
    viewer.refresh_from_db()
    assert not viewer.is_active


@pytest.mark.parametrize("change", [{"is_active": False}, {"role": USER}], ids=str)
def test_user_update_last_admin_is_refused_and_changes_nothing(change):
    boss = make_account(role=ADMIN)
    make_account(role=ADMIN, is_active=False)
    if "role" in change:
        change = {"role": Role.objects.get(name=USER)}
    before = accounts_state()
    with pytest.raises(InUse) as exc_info:
        services.user_update(user=boss, actor=boss, **change)
    assert exc_info.value.code == "last_admin"
    assert accounts_state() == before


def test_user_update_deactivation_blacklists_every_refresh_token_of_that_user_only():
    clerk, other = make_account(), make_account()
    mine = [RefreshToken.for_user(clerk) for _ in range(2)]
    theirs = RefreshToken.for_user(other)
    services.token_blacklist(refresh=str(mine[0]), actor=clerk)  # already signed out once
    services.user_update(actor=services.SYSTEM, user=clerk, is_active=False)
    blacklisted = set(BlacklistedToken.objects.values_list("token__jti", flat=True))
    assert blacklisted == {token["jti"] for token in mine}
    services.user_update(actor=services.SYSTEM, user=clerk, is_active=True)
    for token in mine:
        with pytest.raises(TokenError):
            services.token_refresh(refresh=str(token))
    assert set(services.token_refresh(refresh=str(theirs))) == {"access", "refresh"}


def test_user_update_refused_deactivation_blacklists_nothing():
    boss = make_account(role=ADMIN)
    RefreshToken.for_user(boss)
    before = accounts_state()
    with pytest.raises(InUse):
        services.user_update(actor=services.SYSTEM, user=boss, is_active=False)
    assert accounts_state() == before


def test_user_update_admin_may_step_down_while_another_admin_remains():
    boss, other = make_account(role=ADMIN), make_account(role=ADMIN)
    services.user_update(user=boss, actor=boss, role=Role.objects.get(name=USER))
    assert User.objects.get(pk=boss.pk).role.name == USER
    with pytest.raises(InUse):
        services.user_update(user=other, actor=other, is_active=False)


def test_user_delete_removes_the_user():
    boss, clerk = make_account(role=ADMIN), make_account(role=USER)
    services.user_delete(user=clerk, actor=boss)
    assert not User.objects.filter(pk=clerk.pk).exists()


def test_user_delete_last_admin_or_without_permission_is_refused():
    boss, clerk = make_account(role=ADMIN), make_account(role=USER)
    before = accounts_state()
    with pytest.raises(InUse):
        services.user_delete(user=boss, actor=boss)
    with pytest.raises(PermissionDenied):
        services.user_delete(user=clerk, actor=clerk)
    assert accounts_state() == before


# --- Roles -----------------------------------------------------------------------------


def test_role_create_with_permissions():
    role = services.role_create(
        name="auditor",
        description="Reads users",
        permissions=permissions_named("accounts.view_user", "reports.view_reports"),
        actor=make_account(role=ADMIN),
    )
    assert role.permission_names() == {"accounts.view_user", "reports.view_reports"}


@pytest.mark.parametrize("name", ["Viewer", "VIEWER", "User", "ADMIN"])
def test_role_create_with_a_case_variant_of_a_taken_name_is_refused(name):
    make_role(name="viewer")
    before = accounts_state()
    with pytest.raises(ValidationError) as refused:
        services.role_create(actor=services.SYSTEM, name=name)
    assert refused.value.message_dict == {"name": [services.ROLE_NAME_TAKEN]}
    assert accounts_state() == before


def test_role_update_renaming_to_a_case_variant_of_a_taken_name_is_refused():
    make_role(name="viewer")
    role = make_role(name="auditor")
    before = accounts_state()
    with pytest.raises(ValidationError):
        services.role_update(actor=services.SYSTEM, role=role, name="Viewer")
    assert accounts_state() == before
    assert (
        services.role_update(actor=services.SYSTEM, role=role, name="Auditor").name == "Auditor"
    )  # its own name


def test_role_create_granting_a_permission_the_actor_lacks_is_refused():
    actor = make_account(role=make_role("accounts.add_role", "accounts.view_role"))
    before = accounts_state()
    with pytest.raises(PermissionDenied):
        services.role_create(
            name="sneaky", permissions=permissions_named("accounts.delete_user"), actor=actor
        )
    assert accounts_state() == before


def test_role_update_replaces_permissions_of_the_user_role():
    user_role = Role.objects.get(name=USER)
    services.role_update(
        actor=services.SYSTEM,
        role=user_role,
        permissions=permissions_named("reports.view_reports"),
        description="d",
    )
    user_role.refresh_from_db()
    assert user_role.permission_names() == {"reports.view_reports"} and user_role.description == "d"


def test_role_update_cannot_edit_a_role_stronger_than_the_actor():
    editor = make_account(role=make_role("accounts.change_role", "accounts.view_role"))
    own_role = editor.role
    before = accounts_state()
    with pytest.raises(PermissionDenied):
        services.role_update(
            role=own_role,
            permissions=permissions_named("accounts.change_role", "accounts.delete_user"),
            actor=editor,
        )
    with pytest.raises(PermissionDenied):
        services.role_update(role=Role.objects.get(name=ADMIN), description="x", actor=editor)
    assert accounts_state() == before


@pytest.mark.parametrize(
    ("role_name", "change"),
    [
        (ADMIN, {"name": "boss"}),
        (USER, {"name": "member"}),
        (ADMIN, {"permissions": []}),
    ],
    ids=["rename-admin", "rename-user", "admin-permissions"],
)
def test_role_update_builtin_limits_are_refused_and_change_nothing(role_name, change):
    role = Role.objects.get(name=role_name)
    before = accounts_state()
    with pytest.raises(InUse) as exc_info:
        services.role_update(actor=services.SYSTEM, role=role, description="changed", **change)
    assert exc_info.value.code == "builtin_role"
    assert accounts_state() == before
    assert Role.objects.get(name=role_name).description != "changed"


@pytest.mark.parametrize("role_name", [ADMIN, USER])
def test_role_delete_builtin_is_refused(role_name):
    before = accounts_state()
    with pytest.raises(InUse) as exc_info:
        services.role_delete(actor=services.SYSTEM, role=Role.objects.get(name=role_name))
    assert exc_info.value.code == "builtin_role"
    assert accounts_state() == before


def test_role_delete_in_use_is_refused_and_unused_is_deleted():
    held = make_role("accounts.view_user")
    make_account(role=held)
    unused = make_role()
    before = accounts_state()
    with pytest.raises(InUse) as exc_info:
        services.role_delete(actor=services.SYSTEM, role=held)
    assert exc_info.value.code == "in_use"
    assert accounts_state() == before
    services.role_delete(actor=services.SYSTEM, role=unused)
    assert not Role.objects.filter(pk=unused.pk).exists()


# --- Demo logins ----------------------------------------------------------------------------


def test_demo_logins_ensure_creates_admin_and_clerk_once(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "PASSWORDS_FILE", tmp_path / "logins")
    first = demo.demo_logins_ensure()
    assert User.objects.get(username="admin").role.name == ADMIN
    assert User.objects.get(username="clerk").role.name == USER
    assert all(User.objects.get(username=u).check_password(p) for u, p in first.items())
    assert demo.demo_logins_ensure() == first
    assert json.loads((tmp_path / "logins").read_text()) == first
    assert User.objects.filter(username__in=["admin", "clerk"]).count() == 2
