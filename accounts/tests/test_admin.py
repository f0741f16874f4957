"""Users and roles in the Django admin; the role decides who may sign in there."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from accounts.roles import ADMIN, USER
from accounts.tests.factories import (
    PASSWORD,
    accounts_state,
    make_account,
    make_role,
    permissions_named,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


def admin_login(username: str) -> Client:
    client = Client()
    client.post(reverse("admin:login"), {"username": username, "password": PASSWORD})
    return client


# --- Who may sign in -------------------------------------------------------------------


def test_admin_login_admin_role_may_sign_in(admin_account):
    response = admin_login("boss").get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Site administration" in response.content.decode()


@pytest.mark.parametrize("role", [USER, "custom"])
def test_admin_login_other_roles_may_not_sign_in(role):
    if role == "custom":
        role = make_role("accounts.view_user", "accounts.change_user")
    make_account(username="outsider", role=role)
    client = Client()
    response = client.post(reverse("admin:login"), {"username": "outsider", "password": PASSWORD})
    assert response.status_code == 200
    page = response.content.decode()
    assert "signed in as outsider, but your role has no access to the back office" in page
    assert "correct username and password" not in page
    assert client.get(reverse("admin:index")).status_code == 302


def test_admin_login_wrong_password_still_says_so():
    make_account(username="outsider", role=USER)
    response = Client().post(reverse("admin:login"), {"username": "outsider", "password": "nope"})
    page = response.content.decode()
    assert "correct username and password for a staff account" in page
    assert "no access to the back office" not in page


def test_admin_custom_role_session_is_sent_to_login(client):
    client.force_login(make_account(role=make_role("accounts.view_user")))
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_admin_deactivated_admin_may_not_sign_in():
    make_account(username="retired", role=ADMIN, is_active=False)
    assert admin_login("retired").get(reverse("admin:index")).status_code == 302


# --- Users -----------------------------------------------------------------------------


def test_admin_user_changelist_shows_role_and_filters_by_it(staff, user_account):
    auditor = make_role(name="auditor")
    make_account(username="ann", role=auditor)
    url = reverse("admin:accounts_user_changelist")
    response = staff.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "boss" in page and "clerk" in page and "ann" in page
    assert "column-role" in page and "By role" in page

    filtered = staff.get(url, {"role__id__exact": auditor.pk})
    assert [u.username for u in filtered.context["cl"].result_list] == ["ann"]


def test_admin_user_add_form_has_role_and_two_password_fields(staff):
    response = staff.get(reverse("admin:accounts_user_add"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {"username", "role", "password1", "password2"} <= set(form.fields)


def test_admin_user_add_creates_a_user_through_the_service(staff):
    auditor = make_role(name="auditor")
    response = staff.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "hire",
            "role": auditor.pk,
            "password1": "Admin-made-passphrase",
            "password2": "Admin-made-passphrase",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="hire")
    assert user.role == auditor and user.password.startswith("argon2")
    assert user.check_password("Admin-made-passphrase")
    assert response["Location"] == reverse("admin:accounts_user_change", args=[user.pk])


@pytest.mark.parametrize(
    ("password1", "password2"),
    [("Admin-made-passphrase", "Different-passphrase"), ("short", "short"), ("", "")],
    ids=["mismatch", "weak", "blank"],
)
def test_admin_user_add_bad_passwords_are_form_errors(staff, password1, password2):
    before = accounts_state()
    response = staff.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "hire",
            "role": Role.objects.get(name=USER).pk,
            "password1": password1,
            "password2": password2,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert accounts_state() == before


def test_admin_user_change_page_never_shows_the_hash(staff, user_account):
    response = staff.get(reverse("admin:accounts_user_change", args=[user_account.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert user_account.password not in page
    assert "clerk" in page


def user_change_data(user, **changes) -> dict:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role_id,
        "is_active": "on" if user.is_active else "",
        **changes,
    }


def test_admin_user_change_moves_a_user_to_another_role(staff, user_account):
    auditor = make_role(name="auditor")
    url = reverse("admin:accounts_user_change", args=[user_account.pk])
    response = staff.post(url, user_change_data(user_account, role=auditor.pk, email="c@x.org"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    user_account.refresh_from_db()
    assert user_account.role == auditor and user_account.email == "c@x.org"


@pytest.mark.parametrize("change", ["demote", "deactivate"])
def test_admin_user_change_last_admin_is_a_form_error(staff, admin_account, change):
    changes = {"role": Role.objects.get(name=USER).pk} if change == "demote" else {"is_active": ""}
    before = accounts_state()
    url = reverse("admin:accounts_user_change", args=[admin_account.pk])
    response = staff.post(url, user_change_data(admin_account, **changes))
    assert response.status_code == 200
    assert "last active admin" in str(response.context["adminform"].form.errors)
    assert accounts_state() == before


def test_admin_user_rename_to_a_case_variant_of_a_taken_username_is_a_form_error(
    staff, admin_account, user_account
):
    before = accounts_state()
    url = reverse("admin:accounts_user_change", args=[user_account.pk])
    response = staff.post(
        url, user_change_data(user_account, username=admin_account.username.upper())
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors)
    assert accounts_state() == before


def test_admin_user_delete_of_the_last_admin_is_refused(staff, admin_account):
    before = accounts_state()
    url = reverse("admin:accounts_user_delete", args=[admin_account.pk])
    assert staff.post(url, {"post": "yes"}).status_code == 403
    assert accounts_state() == before


def test_admin_user_delete(staff, user_account):
    url = reverse("admin:accounts_user_delete", args=[user_account.pk])
    assert staff.post(url, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=user_account.pk).exists()


# --- Roles -----------------------------------------------------------------------------


def test_admin_role_changelist_counts_users(staff, user_account):
    response = staff.get(reverse("admin:accounts_role_changelist"))
    assert response.status_code == 200
    rows = {role.name: role for role in response.context["cl"].result_list}
    assert rows[USER].user_count == 1 and rows[ADMIN].user_count == 1


def test_admin_role_change_form_has_a_permission_picker(staff):
    role = make_role("accounts.view_user", name="auditor")
    response = staff.get(reverse("admin:accounts_role_change", args=[role.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="permissions"' in page and "selectfilter" in page
    assert "Can view user" in page


def test_admin_role_change_sets_permissions_through_the_service(staff):
    role = make_role("accounts.view_user", name="auditor")
    wanted = [p.pk for p in Role.objects.get(name=USER).permissions.all()]
    response = staff.post(
        reverse("admin:accounts_role_change", args=[role.pk]),
        {"name": "auditors", "description": "Reads", "permissions": wanted},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    role.refresh_from_db()
    assert role.name == "auditors" and role.description == "Reads"
    assert role.permission_names() == Role.objects.get(name=USER).permission_names()


def test_admin_role_add(staff):
    picked = permissions_named("accounts.view_user", "reports.view_reports")
    response = staff.post(
        reverse("admin:accounts_role_add"),
        {"name": "auditor", "description": "", "permissions": [p.pk for p in picked]},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    role = Role.objects.get(name="auditor")
    assert role.permission_names() == {"accounts.view_user", "reports.view_reports"}


@pytest.mark.parametrize("name", ["Viewer", "USER"])
def test_admin_role_add_case_variant_of_a_taken_name_is_a_form_error(staff, name):
    make_role(name="viewer")
    before = accounts_state()
    response = staff.post(
        reverse("admin:accounts_role_add"), {"name": name, "description": "", "permissions": []}
    )
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert accounts_state() == before


def test_admin_role_builtin_names_are_read_only(staff):
    user_role = Role.objects.get(name=USER)
    url = reverse("admin:accounts_role_change", args=[user_role.pk])
    form = staff.get(url).context["adminform"].form
    assert "name" not in form.fields and "permissions" in form.fields
    response = staff.post(url, {"name": "renamed", "description": "Clerks", "permissions": []})
    assert response.status_code == 302
    user_role.refresh_from_db()
    assert user_role.name == USER and user_role.description == "Clerks"


def test_admin_role_admin_role_shows_every_permission_without_a_picker(staff):
    admin_role = Role.objects.get(name=ADMIN)
    response = staff.get(reverse("admin:accounts_role_change", args=[admin_role.pk]))
    assert response.status_code == 200
    assert "permissions" not in response.context["adminform"].form.fields
    assert "Every permission" in response.content.decode()


@pytest.mark.parametrize("role_name", [ADMIN, USER, "held"])
def test_admin_role_delete_builtin_or_held_is_refused(staff, role_name):
    if role_name == "held":
        make_account(role=make_role(name="held"))
    role = Role.objects.get(name=role_name)
    before = accounts_state()
    assert (
        staff.post(
            reverse("admin:accounts_role_delete", args=[role.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    bulk = staff.post(
        reverse("admin:accounts_role_changelist"),
        {"action": "delete_selected", "_selected_action": [role.pk], "post": "yes"},
    )
    # 403 when the role is unused, or Django's "protected objects" page when users hold it.
    assert bulk.status_code in (200, 403)
    assert accounts_state() == before


def test_admin_role_delete_unused(staff):
    role = make_role(name="spare")
    response = staff.post(reverse("admin:accounts_role_delete", args=[role.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()


def test_admin_groups_are_not_registered(staff):
    assert staff.get("/admin/auth/group/").status_code == 404
