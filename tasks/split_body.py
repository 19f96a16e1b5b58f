"""Article bodies split over several containers of one class: find the parts extraction missed.

Some publishers cut the article body into consecutive containers that share one class, with
ad slots between them (``<div class="article__body">`` … ad … ``<div class="article__body">``).
trafilatura takes the first container that looks like a body and stops there, so the article
ends after a few paragraphs. :func:`continuation_chunks` finds the containers that continue the
one the extracted text came from. A container counts as a continuation only when all of this
holds, so related-story boxes, the next post of a blog index and comment threads that reuse the
class stay out:

- same tag and same ``class`` attribute as the source container, and a common ancestor at most
  :data:`MAX_LEVELS_UP` levels above the source container (a sibling or cousin, not a box
  elsewhere on the page);
- reached from the previous part through a *quiet gap*: at most :data:`MAX_GAP_CHARS`
  characters of text in between (an ad label, a caption) and no heading (a heading starts a
  new story or section);
- not inside a comment area, page header, footer, navigation or aside (below the common
  ancestor: ``comment`` in an id or class, or the element);
- it holds a prose paragraph not already extracted: at least :data:`MIN_PROSE_CHARS`
  characters ending like a sentence (a footer's link list or address block does not).

Pure tree inspection: linear in the elements between the parts, no second parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from lxml.html import HtmlElement

MAX_LEVELS_UP = 3
MAX_GAP_CHARS = 300
MIN_PROSE_CHARS = 100
# Shorter paragraphs are too common ("Advertisement", "Read more") to locate the source by.
_MIN_ANCHOR_CHARS = 40
_CONTAINER_TAGS = frozenset({"div", "section", "article", "main"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SILENT = frozenset({"script", "style", "noscript", "template"})
_COMMENT_AREA = re.compile("comment", re.IGNORECASE)
_PERIPHERY = frozenset({"aside", "footer", "nav", "header"})
_SENTENCE_END = re.compile(r"[.!?…。！？؟][\"'”’»)\]]*$")


def continuation_chunks(tree: HtmlElement, paragraphs: Sequence[str]) -> list[HtmlElement]:
    """Containers, in document order, that continue the body ``paragraphs`` were taken from.

    ``paragraphs`` are the extracted paragraphs, whitespace-collapsed; empty when the page is
    not split (the usual case).
    """
    known = " ".join(paragraphs)
    source = _source_container(tree, paragraphs)
    if source is None:
        return []
    near = list(source.iterancestors())[:MAX_LEVELS_UP]
    chunks: list[HtmlElement] = []
    current = source
    while (following := _next_chunk(current, source, near, known)) is not None:
        chunks.append(following)
        current = following
    return chunks


def _source_container(tree: HtmlElement, paragraphs: Sequence[str]) -> HtmlElement | None:
    """The classed container around the last extracted paragraph found as a ``<p>``."""
    rank = {text: i for i, text in enumerate(paragraphs) if len(text) >= _MIN_ANCHOR_CHARS}
    if not rank:
        return None
    best, best_rank = None, -1
    for element in tree.iter("p"):
        position = rank.get(_text(element), -1)
        if position > best_rank:
            best, best_rank = element, position
    if best is None:
        return None
    for ancestor in best.iterancestors():
        if ancestor.tag in _CONTAINER_TAGS and (ancestor.get("class") or "").strip():
            return ancestor
    return None


def _next_chunk(
    current: HtmlElement, source: HtmlElement, near: list[HtmlElement], known: str
) -> HtmlElement | None:
    """The continuation right after ``current``, or None when the gap is not quiet."""
    gap = 0
    for element in _after(current):
        tag = element.tag
        if not isinstance(tag, str):  # comments, processing instructions
            gap += len((element.tail or "").strip())
        elif tag == source.tag and element.get("class") == source.get("class"):
            return element if _continues(element, near, known) else None
        elif tag in _HEADINGS:
            return None
        else:
            if tag not in _SILENT:
                gap += len((element.text or "").strip())
            gap += len((element.tail or "").strip())
        if gap > MAX_GAP_CHARS:
            return None
    return None


def _continues(element: HtmlElement, near: list[HtmlElement], known: str) -> bool:
    """Close to the source, outside comments and page furniture, with prose not yet extracted.

    ``known`` is the extracted text on one line: a ``<p>`` split at ``<br>`` comes out as two
    lines, so a paragraph counts as known when it is contained in it.
    """
    for ancestor in element.iterancestors():
        if ancestor in near:
            break
        if ancestor.tag in _PERIPHERY or _COMMENT_AREA.search(
            f"{ancestor.get('id', '')} {ancestor.get('class', '')}"
        ):
            return False
    else:
        return False  # no common ancestor close to the source container
    return any(
        len(text) >= MIN_PROSE_CHARS and _SENTENCE_END.search(text) and text not in known
        for text in map(_text, element.iter("p"))
    )


def _after(element: HtmlElement) -> Iterator[HtmlElement]:
    """Every element after ``element``'s subtree, in document order."""
    node: HtmlElement | None = element
    while node is not None:
        for sibling in node.itersiblings():
            yield from sibling.iter()
        node = node.getparent()


def _text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())
