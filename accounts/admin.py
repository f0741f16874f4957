"""Users and roles in the Django admin; every save goes through `accounts.services` like the API."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm
from django.contrib.auth.models import Group
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from simple_history.admin import SimpleHistoryAdmin

from accounts import selectors, services
from accounts.admin_login import LimitedAdminAuthenticationForm
from accounts.models import Role, User
from factory.admin import BoundedSearchAdminMixin, ServiceErrorAdminMixin, export_as_csv

admin.site.unregister(Group)  # roles replace groups
admin.site.login_form = LimitedAdminAuthenticationForm  # the API sign-in's limits
# The JWT blacklist's tables are plumbing, not records an admin edits: they show every signed-in
# user's refresh tokens in full (a copied one signs in as that user), they grow with each sign-in,
# and revoking is done where it belongs: deactivate the user or change their password (docs/accounts.md).
admin.site.unregister(OutstandingToken)
admin.site.unregister(BlacklistedToken)


@admin.register(Role)
class RoleAdmin(BoundedSearchAdminMixin, ServiceErrorAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "description", "user_count", "is_builtin"]
    search_fields = ["name", "description"]
    filter_horizontal = ["permissions"]
    actions = [export_as_csv]

    def get_queryset(self, request):
        return selectors.role_list()

    @admin.display(description="users", ordering="user_count")
    def user_count(self, role):
        return role.user_count

    @admin.display(description="built-in", boolean=True)
    def is_builtin(self, role):
        return role.is_builtin

    @admin.display(description="permissions")
    def every_permission(self, role):
        return "Every permission, including those of apps added later."

    def get_fields(self, request, obj=None):
        if obj is not None and obj.is_admin:
            return ["name", "description", "every_permission"]
        return ["name", "description", "permissions"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_admin:
            return ["name", "every_permission"]
        if obj is not None and obj.is_builtin:
            return ["name"]
        return []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.role_update(
                role=Role.objects.get(pk=obj.pk),
                actor=request.user,
                name=data.get("name"),
                description=data.get("description"),
                permissions=data.get("permissions"),
            )
        else:
            created = services.role_create(
                actor=request.user,
                name=data["name"],
                description=data.get("description", ""),
                permissions=data.get("permissions", []),
            )
            obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        # The permissions were set by the service; only inlines (none today) are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_builtin or obj.users.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.role_delete(role=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for role in queryset:
            services.role_delete(role=role, actor=request.user)


class UserCreationForm(DjangoUserCreationForm):
    """Username, role and a password typed twice (Django's validators apply)."""

    class Meta(DjangoUserCreationForm.Meta):
        model = User
        fields = ["username", "role"]

    def clean_username(self):
        # Taken in any letter case: `services.user_create` says so, once (Django's form asks too).
        return self.cleaned_data.get("username")


class UserEditForm(UserChangeForm):
    """The last-admin rule is `services.user_update`'s; its refusal comes back as a form error."""

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(
    BoundedSearchAdminMixin, ServiceErrorAdminMixin, SimpleHistoryAdmin, DjangoUserAdmin
):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ["username", "email", "role", "is_active", "date_joined", "last_login"]
    list_filter = ["role", "is_active"]
    list_select_related = ["role"]
    search_fields = ["username", "email", "first_name", "last_name"]
    autocomplete_fields = ["role"]
    ordering = ["username"]
    date_hierarchy = "date_joined"
    filter_horizontal = []
    actions = [export_as_csv]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        ("Access", {"fields": ["role", "is_active"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "role", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = ["username", "email", "first_name", "last_name", "role", "is_active"]
            services.user_update(
                user=User.objects.get(pk=obj.pk),
                actor=request.user,
                **{name: data[name] for name in fields if name in data},
            )
        else:
            created = services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password1"],
                role=data["role"],
            )
            obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        if obj is not None and selectors.user_is_last_admin(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.user_delete(user=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.user_delete(user=user, actor=request.user)
