"""Embedded posts (tweets) as quotations: free them from the wrappers extraction discards.

A news page that embeds a post from X/Twitter ships it as ``<blockquote class="twitter-tweet">``
with the post's text, author and date, usually inside a wrapper such as ``<div
class="social-media-embed">`` next to the widget's ``<script>``. The article quotes the post: the
text often carries the story ("the state spent half a million dollars on it"), and public gold
sets keep it. trafilatura drops every element whose class says ``social`` or ``embed``, and with
the wrapper the quotation goes too. :func:`unwrap_posts` replaces each such wrapper by the bare
blockquote (class removed), so extraction sees an ordinary quotation in its place in the text.

Only wrappers that hold nothing but the post (and scripts, whitespace) are replaced, and only
the X/Twitter class is recognised: its markup is plain text; other networks' embeds mostly ship
"View this post on …" placeholders rather than the post.
"""

from __future__ import annotations

from lxml.html import HtmlElement

_POSTS = "//blockquote[contains(concat(' ', normalize-space(@class), ' '), ' twitter-tweet ')]"
_WRAPPERS = frozenset({"div", "span", "figure", "section", "aside"})
_SCRIPTS = frozenset({"script", "noscript"})


def unwrap_posts(tree: HtmlElement) -> int:
    """Turn embedded posts into plain blockquotes in place; how many there were."""
    posts = tree.xpath(_POSTS)
    for post in posts:
        post.attrib.pop("class", None)
        while (wrapper := post.getparent()) is not None and _only_holds(wrapper, post):
            outer = wrapper.getparent()
            if outer is None:
                break
            post.tail = wrapper.tail
            outer.replace(wrapper, post)
    return len(posts)


def _only_holds(wrapper: HtmlElement, post: HtmlElement) -> bool:
    """True when ``wrapper`` holds ``post`` and otherwise only scripts and whitespace."""
    if wrapper.tag not in _WRAPPERS or (wrapper.text or "").strip():
        return False
    for child in wrapper:
        if (child.tail or "").strip():
            return False
        if child is not post and isinstance(child.tag, str) and child.tag not in _SCRIPTS:
            return False
    return True
