import datetime

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone

from orders.models import money
from reports import selectors
from reports.charts import bar_chart, line_chart
from reports.models import Report
from reports.serializers import scaled

DASHBOARD_DAYS = 30
TOP = 10


@admin.register(Report)
class ReportsDashboardAdmin(admin.ModelAdmin):
    """The admin's Reports page: the dashboard takes the place of a change list."""

    def has_module_permission(self, request):
        return request.user.has_perm("reports.view_reports")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("reports.view_reports")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        since = today - datetime.timedelta(days=DASHBOARD_DAYS - 1)
        top_sellers = list(
            selectors.report_top_selling_products(date_from=since, date_to=today)[:TOP]
        )
        output = list(selectors.report_employee_production(date_from=since, date_to=today)[:TOP])
        daily = selectors.report_daily_production(days=DASHBOARD_DAYS)
        low_stock = list(selectors.report_low_stock()[:20])
        margins = list(selectors.report_product_margins(date_from=since, date_to=today)[:TOP])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Reports",
            "since": since,
            "today": today,
            "top_sellers_chart": bar_chart(
                [(row["product_name"], row["total_quantity"]) for row in top_sellers],
                title=f"Top sellers, units, last {DASHBOARD_DAYS} days",
            ),
            "output_chart": bar_chart(
                [(row["employee_name"], row["total_quantity"]) for row in output],
                title=f"Employee output, units, last {DASHBOARD_DAYS} days",
            ),
            "daily_chart": line_chart(
                [(day.isoformat(), total) for day, total in daily],
                title=f"Units produced per day, last {DASHBOARD_DAYS} days",
            ),
            "low_stock": low_stock,
            "stock_value": selectors.stock_value_total(),
            "margins_chart": bar_chart(
                [(row["product_name"], money(scaled(row["margin_e4"], 4))) for row in margins],
                title=f"Margin by product (revenue - cost at sale), last {DASHBOARD_DAYS} days",
            ),
            "report_links": [
                ("Employee production", "report-employee-production", ""),
                ("Top-selling products", "report-top-selling-products", ""),
                ("Customer lifetime value", "report-customer-lifetime-value", ""),
                ("Production today", "report-production", f"?date={today.isoformat()}"),
                ("Low stock", "report-low-stock", ""),
                ("Reorder", "report-reorder", ""),
                ("Stock valuation", "report-stock-valuation", ""),
                ("Product margins", "report-product-margins", ""),
            ],
        }
        return TemplateResponse(request, "admin/reports/dashboard.html", context)
