"""CSV that a spreadsheet opens as data, never as formulas (admin exports and the reports' `?format=csv`).

Every cell is quoted (`QUOTE_ALL`), so a reader that honours quotes never splits a cell on a `,` or
`;` inside it. A reader in a locale whose separator is `;` (or TAB, or `|`) may still split on it: so
a formula trigger (`= + - @`) at the start of a cell, or after any separator or line break inside
it, gets a `'` before it, which spreadsheets take as "text". Numbers stay numbers (a negative stock
delta is `-5`, not `'-5`); datetimes are ISO 8601 to the second, as the API writes them.
"""

import csv
import datetime
import html
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeData

TRIGGERS = "=+-@"
# A trigger (or, first in the cell, a TAB or CR, which some spreadsheets strip) after the start, a separator (`,` `;` TAB `|`) or a line break, with blanks between.
FORMULA = re.compile(r"(^|[,;\t|\r\n])(\s*)(?=[" + re.escape(TRIGGERS) + "])")


def csv_writer(stream):
    """A writer that quotes every cell; give it rows of `csv_cell` values."""
    return csv.writer(stream, quoting=csv.QUOTE_ALL)


def csv_cell(value) -> str:
    """The text of one cell, with formulas neutralised; numbers and dates as such."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):  # bool too: True, False
        return str(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, SafeData):  # an admin column that renders a link: its text
        value = html.unescape(strip_tags(value))
    text = FORMULA.sub(r"\1\2'", str(value))
    return "'" + text if text[:1] in ("\t", "\r") else text


# A `'` that `csv_cell` put before a formula trigger (or a leading TAB or CR), so that importing a
# file this project exported gives back the text it exported (the imports, factory.imports).
ESCAPED = re.compile(r"(^|[,;\t|\r\n])(\s*)'(?=[" + re.escape(TRIGGERS) + "])")


def csv_cell_unescape(text: str) -> str:
    """The text `csv_cell` escaped, without the escapes."""
    if text[:2] in ("'\t", "'\r"):
        text = text[1:]
    return ESCAPED.sub(r"\1\2", text)
