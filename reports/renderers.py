import io

from rest_framework.renderers import BaseRenderer

from factory.csvcells import csv_cell, csv_writer


class CSVRenderer(BaseRenderer):
    """`?format=csv`: the report's rows with a header row, as a download.

    Only rows come here: ReportView renders its errors as JSON.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = csv_writer(buffer)
        writer.writerow(data["columns"])
        for row in data["rows"]:
            writer.writerow([csv_cell(row[column]) for column in data["columns"]])
        return buffer.getvalue().encode(self.charset)
