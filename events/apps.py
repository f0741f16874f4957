from django.apps import AppConfig

# The cache namespace of the event list (factory.cache).
EVENTS_CACHE = "events"


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"

    def ready(self):
        from django.db.models.signals import post_migrate, post_save

        from events.jobs import schedules_ensure
        from events.models import Event
        from factory.cache import invalidate_on_writes

        # Events are written once and never changed. They are deleted only in bulk (the purge,
        # the admin), which invalidate the list themselves: a post_delete receiver would make
        # each deleted row a signal and a cache write.
        invalidate_on_writes(EVENTS_CACHE, Event, signals=(post_save,))

        # The worker's periodic jobs are rows of django-q2's Schedule table: kept in step with
        # the code after every `migrate`, so a deploy that changes them needs no manual step.
        post_migrate.connect(schedules_ensure, sender=self)
