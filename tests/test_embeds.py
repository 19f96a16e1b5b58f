"""Embedded tweets are quotations: extracted in place, not dropped with their widget wrapper."""

from __future__ import annotations

import lxml.html
import pytest

from tasks.embeds import unwrap_posts
from tasks.extract import Extracted, extract_html

BEFORE = (
    "The state health department launched its new anti-drug campaign on Monday with a slogan "
    "that was quickly mocked by thousands of people online."
)
AFTER = (
    "A spokesperson for the department said the reaction showed that the campaign had reached "
    "exactly the audience it was designed for, and that it would continue."
)
TWEET_TEXT = "Yes this is real and the state spent nearly half a million dollars on it"
TWEET = (
    '<blockquote class="twitter-tweet" data-lang="en"><p lang="en" dir="ltr">'
    f"{TWEET_TEXT}</p>&mdash; Jane Doe (@janedoe) "
    '<a href="https://twitter.com/janedoe/status/1">November 18, 2019</a></blockquote>'
)
SCRIPT = '<script async src="https://platform.twitter.com/widgets.js"></script>'


def page(embed: str) -> str:
    return (
        "<html><head><title>Campaign mocked online</title></head><body><article>"
        f"<div class='entry-content'><p>{BEFORE}</p>{embed}<p>{AFTER}</p></div>"
        "</article></body></html>"
    )


def lines_of(html: str) -> list[str]:
    result = extract_html(html)
    assert isinstance(result, Extracted)
    return result.text.split("\n\n")


@pytest.mark.parametrize(
    "embed",
    [
        pytest.param(f'<div class="social-media-embed">{TWEET}{SCRIPT}</div>', id="social-class"),
        pytest.param(f'<figure class="embed"><div>{TWEET}</div>{SCRIPT}</figure>', id="nested"),
        pytest.param(TWEET + SCRIPT, id="bare"),
    ],
)
def test_embedded_tweet_is_extracted_in_place(embed: str):
    lines = lines_of(page(embed))
    assert lines[0] == BEFORE
    assert lines[-1] == AFTER
    quoted = lines[1:-1]
    assert quoted and TWEET_TEXT in quoted[0]


def test_without_unwrapping_the_wrapper_takes_the_tweet_along():
    """The reason for the module: trafilatura drops the social/embed wrapper and its tweet."""
    import trafilatura

    html = page(f'<div class="social-media-embed">{TWEET}{SCRIPT}</div>')
    assert TWEET_TEXT not in (trafilatura.extract(html) or "")


def test_a_wrapper_with_other_content_stays():
    html = page(f'<div class="share-bar"><a href="/share">Share this</a>{TWEET}</div>')
    tree = lxml.html.fromstring(html)
    assert unwrap_posts(tree) == 1
    wrapper = tree.xpath("//div[@class='share-bar']")
    assert wrapper and wrapper[0].xpath(".//blockquote")  # the wrapper is kept around it
    assert not tree.xpath("//blockquote[@class]")


def test_other_blockquotes_are_untouched():
    html = page('<div class="pullquote"><blockquote class="quote">A pull quote</blockquote></div>')
    tree = lxml.html.fromstring(html)
    assert unwrap_posts(tree) == 0
    assert tree.xpath("//div[@class='pullquote']/blockquote[@class='quote']")
