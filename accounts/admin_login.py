"""The admin's sign-in form, under the API sign-in's limits (issue 24: it had none)."""

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from accounts.throttling import sign_in_wait


class LimitedAdminAuthenticationForm(AdminAuthenticationForm):
    """Django's admin sign-in form; each attempt spends the API sign-in's per-address and
    per-username budget (`THROTTLE_LOGIN`, accounts.throttling.sign_in_wait). Over it, the form
    says when to retry and checks no password (no Argon2 work for a refused attempt). A user whose
    role has no admin access is told so, not "wrong password" (SPEC §9)."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "no_admin_access": (
            "You are signed in as %(username)s, but your role has no access to the back office. "
            "Ask an administrator for the admin role, or use the API."
        ),
    }

    def clean(self):
        wait = sign_in_wait(self.request, self.cleaned_data.get("username"))
        if wait is not None:
            seconds = max(math.ceil(wait), 1)
            raise forms.ValidationError(
                ngettext(
                    "Too many sign-in attempts. Try again in %(seconds)d second.",
                    "Too many sign-in attempts. Try again in %(seconds)d seconds.",
                    seconds,
                ),
                code="throttled",
                params={"seconds": seconds},
            )
        return super().clean()

    def confirm_login_allowed(self, user):
        if user.is_active and not user.is_staff:
            raise ValidationError(
                self.error_messages["no_admin_access"],
                code="no_admin_access",
                params={"username": user.get_username()},
            )
        super().confirm_login_allowed(user)
