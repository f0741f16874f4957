from django.db import models


class Report(models.Model):
    """No table: it only carries the `reports.view_reports` permission that roles grant."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "Can view reports")]
