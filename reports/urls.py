from django.urls import path

from reports import views

urlpatterns = [
    path(f"{view.name}/", view.as_view(), name=f"report-{view.name}")
    for view in (
        views.EmployeeProductionReport,
        views.TopSellingProductsReport,
        views.CustomerLifetimeValueReport,
        views.ProductionReport,
        views.LowStockReport,
        views.ReorderReport,
        views.ReceivablesReport,
        views.StockValuationReport,
        views.ProductMarginsReport,
    )
]
