from django.apps import AppConfig


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"

    def ready(self):
        from django.db.models.signals import post_migrate

        from events.jobs import schedules_ensure

        # The worker's periodic jobs are rows of django-q2's Schedule table: kept in step with
        # the code after every `migrate`, so a deploy that changes them needs no manual step.
        post_migrate.connect(schedules_ensure, sender=self)
