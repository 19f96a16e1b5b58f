"""Horizontal bar charts as small, self-contained SVG, embedded in markdown as data URIs.

Why this shape: Prefect's two UIs sanitise artifact markdown differently. The Vue UI (v1)
keeps inline ``<svg>`` but the React UI (v2) strips it; both render an image whose source is a
``data:image/...`` URI (v2 allows that protocol explicitly). An SVG inside ``<img>`` cannot
load fonts or follow links, so the chart uses generic fonts and draws its own light card so it
reads the same on dark and light themes. Output is deterministic: same values, same bytes.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from xml.sax.saxutils import escape

PALETTE = ("#2563eb", "#059669", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#4b5563")
_ROW = 26
_BAR = 18
_PAD = 16
_CHAR = 7.2  # average glyph width of 13px sans-serif, for sizing the label column
_BAR_WIDTH = 420


def bar_chart_svg(
    title: str,
    rows: Sequence[tuple[str, int]],
    colors: Sequence[str] | None = None,
) -> str:
    """One bar per ``(label, value)`` row, longest bar = largest value, value at the bar's end.

    ``colors`` gives one color per row (cycled); by default every bar is the first palette color.
    """
    colors = list(colors or PALETTE[:1])
    label_width = int(max((len(label) for label, _ in rows), default=4) * _CHAR) + 12
    value_width = int(max((len(f"{v:,}") for _, v in rows), default=1) * _CHAR) + 12
    width = _PAD * 2 + label_width + _BAR_WIDTH + value_width
    height = _PAD * 2 + 28 + max(len(rows), 1) * _ROW
    top = max((v for _, v in rows), default=0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" '
        f'role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" rx="8" fill="#ffffff" stroke="#d1d5db"/>',
        f'<text x="{_PAD}" y="{_PAD + 14}" font-size="15" font-weight="bold" '
        f'fill="#111827">{escape(title)}</text>',
    ]
    if not rows:
        parts.append(
            f'<text x="{_PAD}" y="{_PAD + 28 + 17}" font-size="13" fill="#6b7280">nothing</text>'
        )
    for i, (label, value) in enumerate(rows):
        y = _PAD + 28 + i * _ROW
        length = round(_BAR_WIDTH * value / top, 1) if top else 0
        bar_x = _PAD + label_width
        parts += [
            f'<text x="{bar_x - 8}" y="{y + 14}" font-size="13" text-anchor="end" '
            f'fill="#374151">{escape(label)}</text>',
            f'<rect x="{bar_x}" y="{y}" width="{max(length, 1)}" height="{_BAR}" rx="3" '
            f'fill="{colors[i % len(colors)]}"/>',
            f'<text x="{bar_x + length + 6}" y="{y + 14}" font-size="13" '
            f'fill="#111827">{value:,}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def bar_chart_markdown(
    title: str, rows: Sequence[tuple[str, int]], colors: Sequence[str] | None = None
) -> str:
    """The chart as a markdown image; its alt text carries the numbers for text-only readers."""
    summary = ", ".join(f"{label} {value}" for label, value in rows) or "nothing"
    alt = f"{title}: {summary}".replace("[", "(").replace("]", ")")
    return f"![{alt}]({svg_data_uri(bar_chart_svg(title, rows, colors))})"
