"""Template context every page gets."""

from django.conf import settings


def site(request):
    """`site_name`: SITE_NAME, for the landing page and the browsable API's bar."""
    return {"site_name": settings.SITE_NAME}
