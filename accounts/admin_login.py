"""The admin's sign-in form, under the API sign-in's limits (issue 24: it had none)."""

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import ngettext

from accounts.throttling import sign_in_wait


class LimitedAdminAuthenticationForm(AdminAuthenticationForm):
    """Django's admin sign-in form; each attempt spends the API sign-in's per-address and
    per-username budget (`THROTTLE_LOGIN`, accounts.throttling.sign_in_wait). Over it, the form
    says when to retry and checks no password (no Argon2 work for a refused attempt)."""

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
