"""Plumbing shared by every app's API: errors, pagination, permissions, health."""
