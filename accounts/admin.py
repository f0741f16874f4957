from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group

from accounts.models import Role, User

admin.site.unregister(Group)  # roles replace groups


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "user_count"]
    search_fields = ["name", "description"]
    filter_horizontal = ["permissions"]

    @admin.display(description="users")
    def user_count(self, role):
        return role.users.count()

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_builtin or obj.users.exists()):
            return False
        return super().has_delete_permission(request, obj)


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "role"]


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
