"""Webhooks, their deliveries and the events in the back office, through the same services."""

from django import forms
from django.contrib import admin, messages

from events import selectors, services
from events.apps import EVENTS_CACHE
from events.errors import DeliveryPending
from events.models import (
    EVENT_TYPE_CHOICES,
    URL_MAX_LENGTH,
    Delivery,
    DeliveryAttempt,
    Event,
    Webhook,
)
from factory.admin import ServiceErrorAdminMixin
from factory.cache import namespace_invalidate


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=URL_MAX_LENGTH, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=EVENT_TYPE_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["url", "events", "is_active"]


def _show_secret(request, webhook: Webhook, what: str) -> None:
    messages.warning(
        request,
        f"{what} {webhook.url}. Its signing secret, shown this once: {webhook.secret}",
    )


@admin.action(description="Rotate the secret of the selected webhooks (shown once)")
def rotate_secret(modeladmin, request, queryset):
    for webhook in queryset:
        _show_secret(request, services.webhook_rotate_secret(webhook=webhook), "New secret for")


@admin.register(Webhook)
class WebhookAdmin(ServiceErrorAdminMixin, admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "event_types", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url"]
    actions = [rotate_secret]

    @admin.display(description="events")
    def event_types(self, webhook):
        return ", ".join(webhook.events)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in ("url", "events", "is_active")}
        if change:
            services.webhook_update(webhook=obj, **fields)
        else:
            webhook = services.webhook_create(**fields)
            obj.pk, obj.secret = webhook.pk, webhook.secret
            _show_secret(request, webhook, "Created")


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["number", "outcome", "response_code", "error", "started_at", "finished_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description="Redeliver the selected deliveries", permissions=["redeliver"])
def redeliver(modeladmin, request, queryset):
    queued = 0
    for delivery in queryset:
        try:
            services.delivery_redeliver(delivery=delivery)
            queued += 1
        except DeliveryPending as error:
            messages.error(request, error.message)
    if queued:
        messages.success(request, f"Queued {queued} redeliveries.")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "webhook",
        "status",
        "attempts",
        "response_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event__type", "webhook"]
    list_select_related = ["event", "webhook"]
    readonly_fields = [
        "webhook",
        "event",
        "status",
        "attempts",
        "response_code",
        "last_error",
        "next_attempt_at",
        "lease_until",
        "redelivery_of",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields
    inlines = [DeliveryAttemptInline]
    actions = [redeliver]

    def get_queryset(self, request):
        return selectors.delivery_list()

    @admin.display(description="event", ordering="event__type")
    def event_type(self, delivery):
        return delivery.event.type

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_redeliver_permission(self, request):
        return request.user.has_perm("events.change_delivery")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "created_at"]
    list_filter = ["type"]
    date_hierarchy = "created_at"
    fields = ["id", "type", "created_at", "data"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Deleting sends no signal the event list's cache listens to (events.apps): say it here.
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        namespace_invalidate(EVENTS_CACHE)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        namespace_invalidate(EVENTS_CACHE)
