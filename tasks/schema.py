"""Arrow schemas of the published datasets: the output contract, documented in the README.

Field order is the column order users see. Changing a type or removing a column is a breaking
change; adding a nullable column is not.
"""

from __future__ import annotations

import pyarrow as pa

ARTICLES = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("language", pa.string(), nullable=False),
        pa.field("language_prob", pa.float64(), nullable=False),
        pa.field("n_words", pa.int32(), nullable=False),
        pa.field("n_removed_lines", pa.int32(), nullable=False),
        pa.field("cluster_size", pa.int32(), nullable=False),
        pa.field("story_id", pa.string()),
        pa.field("url", pa.string()),
        pa.field("published", pa.string()),
        pa.field("site", pa.string()),
        pa.field("author", pa.string()),
        pa.field("content_hash", pa.string(), nullable=False),
    ]
)

DUPLICATES = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("duplicate_of", pa.string(), nullable=False),
        pa.field("duplicate_of_source", pa.string(), nullable=False),
        pa.field("similarity", pa.float64(), nullable=False),
        pa.field("method", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("language", pa.string()),
        pa.field("url", pa.string()),
    ]
)

REMOVED_LINES = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("line_no", pa.int32(), nullable=False),
        pa.field("line", pa.string(), nullable=False),
        pa.field("rule", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
    ]
)

REJECTS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("raw", pa.binary(), nullable=False),
    ]
)

# Internal: what a shard hands to deduplication (articles' columns plus dedup inputs).
# ``line_nos``: input line number of each paragraph of ``text``, for removals made later.
CANDIDATES = pa.schema(
    [f for f in ARTICLES if f.name not in ("cluster_size", "story_id")]
    + [pa.field("line_nos", pa.list_(pa.int32()))]
)

DATASETS: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "duplicates": DUPLICATES,
    "removed_lines": REMOVED_LINES,
    "rejects": REJECTS,
}
