"""SVG bar charts for the run report: well-formed, proportional, escaped, deterministic."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

from tasks.charts import bar_chart_markdown, bar_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def bars(svg: str) -> list[float]:
    root = ET.fromstring(svg)
    rects = root.findall(f"{SVG}rect")[1:]  # the first rect is the card behind the chart
    return [float(r.get("width")) for r in rects]


def test_bars_are_proportional_to_values_and_labelled():
    svg = bar_chart_svg("Removed lines", [("share", 40), ("cookie", 10), ("related", 0)])
    widths = bars(svg)
    assert widths[0] == 420 and widths[1] == 105 and widths[2] == 1  # zero still shows a tick
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert texts == ["Removed lines", "share", "40", "cookie", "10", "related", "0"]


def test_labels_are_escaped_and_output_is_deterministic():
    rows = [("<script>&", 3), ('say "hi"', 1)]
    svg = bar_chart_svg('a "title" <b>', rows)
    ET.fromstring(svg)  # still well-formed XML
    assert "<script>" not in svg and bar_chart_svg('a "title" <b>', rows) == svg


def test_empty_chart_says_nothing_there():
    svg = bar_chart_svg("Rejects", [])
    assert bars(svg) == [] and ">nothing</text>" in svg


def test_markdown_image_carries_the_numbers_and_the_svg():
    text = bar_chart_markdown("Languages", [("en", 20), ("fr", 1)])
    match = re.fullmatch(r"!\[([^\]]*)\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", text)
    assert match and match.group(1) == "Languages: en 20, fr 1"
    assert base64.b64decode(match.group(2)).decode() == bar_chart_svg(
        "Languages", [("en", 20), ("fr", 1)]
    )
