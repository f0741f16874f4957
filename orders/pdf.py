"""Invoice PDFs: a Django template (templates/orders/invoice_pdf.html) rendered by WeasyPrint.

WeasyPrint lays out HTML and CSS itself (Pango for text, from Debian: scripts/system-deps.sh)
and needs no browser or network; it is imported when a PDF is first asked for, so the rest of
the app runs even where its system libraries are missing.
"""

from django.conf import settings
from django.template.loader import render_to_string

from orders.models import Invoice


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The invoice as a one-document PDF (the lines may run over several pages)."""
    from weasyprint import HTML

    html = render_to_string(
        "orders/invoice_pdf.html",
        {
            "invoice": invoice,
            "lines": invoice.lines.all(),
            "tax_percent": format((invoice.tax_rate * 100).normalize(), "f"),
            "company": {
                "name": settings.COMPANY_NAME,
                "address": settings.COMPANY_ADDRESS.replace("\\n", "\n"),
                "tax_id": settings.COMPANY_TAX_ID,
            },
        },
    )
    return HTML(string=html).write_pdf()
