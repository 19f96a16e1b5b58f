"""The page metadata newsclean keeps (title, author, date, URL, site), found as trafilatura does.

``trafilatura.bare_extraction(..., with_metadata=True)`` runs ``extract_metadata``, which also
collects the page's categories, tags and licence: ~3 ms of a ~22 ms page on the scrapinghub-aeb
news pages (two whole-tree searches for category/tag links and one for licence links), for three
fields the pipeline never stored. :func:`page_metadata` runs trafilatura's own steps for the
kept fields, in the same order and with the same parameters (``extract_metadata`` of trafilatura
2.3), and leaves those three out; the extraction then runs with ``with_metadata=False`` and the
page URL it would have used. Every step only reads the tree. ``tests/test_page_meta.py`` checks
the fields against ``extract_metadata`` itself, so a trafilatura upgrade that changes the steps
fails there rather than changing the output silently.
"""

from __future__ import annotations

from typing import Any

from lxml.html import HtmlElement
from trafilatura import metadata as tm
from trafilatura.settings import Document, Extractor

#: The fields of a trafilatura ``Document`` this module fills (the rest stay None).
FIELDS = ("title", "author", "url", "hostname", "date", "sitename")


def date_params() -> dict[str, Any]:
    """htmldate's parameters as ``bare_extraction`` sets them (today's date as the maximum)."""
    return Extractor(output_format="python", with_metadata=True).date_params


def page_metadata(
    tree: HtmlElement, default_url: str | None = None, date_config: dict[str, Any] | None = None
) -> Document:
    """``trafilatura.metadata.extract_metadata`` without categories, tags and licence.

    ``default_url`` is the URL the page came from, when known (``bare_extraction``'s ``url``).
    """
    config = {**(date_config or date_params())}
    metadata = tm.examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = tm.extract_meta_json(tree, metadata)
    except Exception as err:  # as trafilatura: bugs in its JSON-LD parsing are logged, not raised
        tm.LOGGER.warning("error in JSON metadata extraction: %s", err)
    if not metadata.title:
        metadata.title = tm.extract_title(tree)
    if not metadata.author:
        metadata.author = tm.extract_author(tree)
    if not metadata.url:
        metadata.url = tm.extract_url(tree, default_url)
    if metadata.url:
        metadata.hostname = tm.extract_domain(metadata.url, fast=True)
    config["url"] = metadata.url
    metadata.date = tm.find_date(tree, **config)
    if not metadata.sitename:
        metadata.sitename = tm.extract_sitename(tree)
    if metadata.sitename:
        site = metadata.sitename = metadata.sitename.lstrip("@")  # a Twitter handle
        if site and "." not in site and not site[0].isupper():
            metadata.sitename = site.title()
    elif metadata.url:
        match = tm.META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.filedate = config.get("max_date")
    metadata.clean_and_trim()
    return metadata
