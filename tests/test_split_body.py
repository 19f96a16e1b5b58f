"""Article bodies split over several same-class containers (ad slots between them)."""

from __future__ import annotations

import lxml.html
import pytest

from tasks.extract import Extracted, extract_html
from tasks.split_body import MAX_GAP_CHARS, continuation_chunks

PART_ONE = [
    "The harbour authority approved the new ferry timetable on Tuesday after a long debate "
    "about night crossings and the cost of extra crews for the winter months.",
    "Residents of the outer islands had asked for an earlier morning boat so that pupils could "
    "reach the secondary school before the first lesson starts at eight.",
]
PART_TWO = [
    "The operator said the earlier boat would need a second crew, which it expects to hire "
    "from the mainland training college before the end of the year.",
    "Fares stay the same until April, when the authority will review them together with the "
    "fuel surcharge that was introduced during the last energy crisis.",
]
OTHER_STORY = [
    "A different story about the city library opening on Sundays, which has nothing to do "
    "with ferries, timetables or the islands and must not be appended to this article.",
]
AD = '<div class="ad-slot"><span>Advertisement</span></div>'


def body(paragraphs: list[str], cls: str = "article-body") -> str:
    inner = "".join(f"<p>{text}</p>" for text in paragraphs)
    return f'<div class="grid"><div class="{cls}">{inner}</div></div>'


def page(*blocks: str) -> str:
    return (
        "<html><head><title>Ferry timetable approved</title></head><body>"
        "<main><article><h1>Ferry timetable approved</h1>"
        f"<div class='chunks'>{''.join(blocks)}</div>"
        "</article></main></body></html>"
    )


def paragraphs_of(html: str) -> list[str]:
    result = extract_html(html)
    assert isinstance(result, Extracted)
    return result.text.split("\n\n")


def test_split_body_is_extracted_whole_in_order():
    assert paragraphs_of(page(body(PART_ONE), AD, body(PART_TWO))) == PART_ONE + PART_TWO


def test_three_parts_chain():
    third = [
        "A third part closes the article: the new timetable starts on the first Monday of "
        "next month, and printed copies are available at every pier."
    ]
    html = page(body(PART_ONE), AD, body(PART_TWO), AD, body(third))
    assert paragraphs_of(html) == PART_ONE + PART_TWO + third


def test_unsplit_page_is_unchanged():
    tree = lxml.html.fromstring(page(body(PART_ONE + PART_TWO)))
    assert continuation_chunks(tree, PART_ONE + PART_TWO) == []
    assert paragraphs_of(page(body(PART_ONE + PART_TWO))) == PART_ONE + PART_TWO


@pytest.mark.parametrize(
    "between",
    [
        pytest.param("<h2>More stories</h2>", id="heading-starts-another-story"),
        pytest.param(
            "<div class='promo'><p>"
            + "Subscribe to our print edition. " * (MAX_GAP_CHARS // 30 + 1)
            + "</p></div>",
            id="long-gap",
        ),
    ],
)
def test_a_container_after_a_heading_or_long_gap_is_not_a_continuation(between: str):
    html = page(body(PART_ONE), between, body(OTHER_STORY))
    assert OTHER_STORY[0] not in paragraphs_of(html)


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param('<div id="comments">{}</div>', id="comment-area"),
        pytest.param("<footer>{}</footer>", id="footer"),
        pytest.param("<aside>{}</aside>", id="aside"),
    ],
)
def test_same_class_in_comments_footer_or_aside_is_left_out(wrap: str):
    html = page(body(PART_ONE), AD, wrap.format(body(OTHER_STORY)))
    assert OTHER_STORY[0] not in paragraphs_of(html)


def test_a_container_far_away_in_the_page_is_left_out():
    far = f'<div class="x"><div class="y"><div class="z">{body(OTHER_STORY)}</div></div></div>'
    html = page(body(PART_ONE)).replace("</main>", f"</main>{far}")
    assert OTHER_STORY[0] not in paragraphs_of(html)


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param(["Ferries", "Timetables", "Islands", "Contact us"], id="short-links"),
        pytest.param(
            [
                "Products & services Ferries Timetables Islands Freight Season tickets Group "
                "travel Accessibility Lost property Contact us"
            ],
            id="long-line-without-sentence-end",
        ),
    ],
)
def test_a_container_without_prose_is_no_continuation(lines: list[str]):
    tree = lxml.html.fromstring(page(body(PART_ONE), AD, body(lines)))
    assert continuation_chunks(tree, PART_ONE) == []


def test_paragraphs_already_extracted_are_not_repeated():
    tree = lxml.html.fromstring(page(body(PART_ONE), AD, body(PART_ONE)))
    assert continuation_chunks(tree, PART_ONE) == []


def test_prose_already_extracted_as_part_of_a_longer_line_is_known():
    # Extraction may join or split a container's paragraphs differently from its <p> elements.
    joined = [" ".join(PART_ONE)]
    tree = lxml.html.fromstring(page(body(joined), AD, body(PART_ONE[1:])))
    assert continuation_chunks(tree, joined) == []
