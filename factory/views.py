"""The pages outside the admin and the API: the landing page at `/`."""

from django.shortcuts import render


def landing(request):
    """A small page that points to the admin, the API docs, the API root and the health checks."""
    return render(request, "factory/landing.html")  # site_name: factory.context_processors
