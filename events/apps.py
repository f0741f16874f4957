from django.apps import AppConfig

# The cache namespaces of the event and webhook lists (factory.cache).
EVENTS_CACHE = "events"
WEBHOOKS_CACHE = "webhooks"


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"

    def ready(self):
        from django.db.models.signals import post_migrate, post_save

        from events.jobs import schedules_ensure
        from events.models import Event, Webhook
        from factory.cache import invalidate_on_writes

        # Events are written once and never changed. They are deleted only in bulk (the purge,
        # the admin), which invalidate the list themselves: a post_delete receiver would make
        # each deleted row a signal and a cache write.
        invalidate_on_writes(EVENTS_CACHE, Event, signals=(post_save,))
        invalidate_on_writes(WEBHOOKS_CACHE, Webhook)

        # The worker's periodic jobs are rows of django-q2's Schedule table: kept in step with
        # the code after every `migrate`, so a deploy that changes them needs no manual step.
        post_migrate.connect(schedules_ensure, sender=self)
