import django_filters

from events.models import EVENT_TYPE_CHOICES, Event


class EventFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=EVENT_TYPE_CHOICES)

    class Meta:
        model = Event
        fields = ["type"]
