"""Small server-side SVG charts for the admin dashboard: no JavaScript, no CDN."""

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

BAR_HEIGHT = 22
LABEL_WIDTH = 180
CHART_WIDTH = 640


def bar_chart(rows: list[tuple[str, int | float]], *, title: str, unit: str = "") -> str:
    """Horizontal bars, one per (label, value), largest value full width (a value below zero,
    a loss on the margins chart, is a sliver with its number)."""
    if not rows:
        return format_html('<p class="chart-empty">No data for {}.</p>', title)
    top = max(max(value for _, value in rows), 0) or 1
    bar_space = CHART_WIDTH - LABEL_WIDTH - 70
    height = BAR_HEIGHT * len(rows) + 10
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(rows):
        y = 5 + i * BAR_HEIGHT
        width = max(1, round(bar_space * max(float(value), 0.0) / float(top)))
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" class="chart-label">{escape(short)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{BAR_HEIGHT - 6}" class="chart-bar">'
            f"<title>{escape(label)}: {value}{escape(unit)}</title></rect>"
            f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 15}" class="chart-value">{value}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every interpolated text is escaped above


def line_chart(points: list[tuple[str, int]], *, title: str) -> str:
    """A line over evenly spaced points (label, value), with the axis labels at both ends."""
    if not points:
        return format_html('<p class="chart-empty">No data for {}.</p>', title)
    width, height, pad = CHART_WIDTH, 220, 40
    top = max(value for _, value in points) or 1
    step = (width - 2 * pad) / max(1, len(points) - 1)

    def xy(i, value):
        return pad + i * step, height - pad - (height - 2 * pad) * value / top

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}"
        for i, (x, y) in enumerate(xy(i, v) for i, (_, v) in enumerate(points))
    )
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="chart-dot"><title>{escape(label)}: {value}</title></circle>'
        for (label, value), (x, y) in ((p, xy(i, p[1])) for i, p in enumerate(points))
    )
    return mark_safe(  # noqa: S308 -- labels are escaped; the rest are numbers
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" class="chart-axis"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" class="chart-axis"/>'
        f'<text x="{pad - 6}" y="{pad + 4}" text-anchor="end" class="chart-value">{top}</text>'
        f'<text x="{pad - 6}" y="{height - pad + 4}" text-anchor="end" class="chart-value">0</text>'
        f'<text x="{pad}" y="{height - pad + 18}" class="chart-label">{escape(points[0][0])}</text>'
        f'<text x="{width - pad}" y="{height - pad + 18}" text-anchor="end" class="chart-label">{escape(points[-1][0])}</text>'
        f'<path d="{path}" class="chart-line"/>{dots}</svg>'
    )
