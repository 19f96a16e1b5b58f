"""The baseline: the cleaning loop a user writes with the usual libraries, on one core.

Read each file, drop boilerplate lines with a dozen regexes, ``langdetect.detect`` (seeded, as
its README says for reproducible results), 4-word-shingle MinHash into a datasketch
``MinHashLSH`` (``update_batch``, datasketch's fast path, so the baseline is not made slow on
purpose), keep the first copy of each near-duplicate group, and one
``pyarrow.parquet.write_table`` at the end. It does less than newsclean (no reject reasons, no
removed-line records, no verification of LSH hits, no versioned publishing), so the ratio
flatters the baseline if anything.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(share|tweet|email|print)( this( article| story)?)?$",
        r"^(facebook|twitter|linkedin|whatsapp|email)( [|·] ?(facebook|twitter|linkedin|email))*$",
        r"^advertisement$",
        r"^(read more|related( stories| articles)?|more from)\b",
        r"sign up (for|to) (our|the) newsletter",
        r"^subscribe\b",
        r"copyright ©|all rights reserved",
        r"this (web)?site uses cookies",
        r"^(photo|image|credit): ",
        r"^follow us on\b",
        r"^click here\b",
        r"^(comments?|leave a comment|\d+ comments?)$",
    )
]
_WORD = re.compile(r"\w+")


def iter_texts(paths: Sequence[Path], limit: int) -> list[tuple[str, str]]:
    """(source, text) of the first ``limit`` articles under ``paths`` (txt or jsonl files)."""
    out: list[tuple[str, str]] = []
    for path in paths:
        if path.suffix == ".jsonl":
            with open(path, encoding="utf-8") as handle:
                for n, line in enumerate(handle, 1):
                    out.append((f"{path}#{n}", json.loads(line)["text"]))
                    if len(out) >= limit:
                        return out
        else:
            out.append((str(path), path.read_text(encoding="utf-8", errors="replace")))
            if len(out) >= limit:
                return out
    return out


def naive_clean(paths: Sequence[Path], limit: int, out: Path) -> dict[str, float]:
    """Run the baseline on the first ``limit`` articles; returns its timings."""
    import langdetect
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasketch import MinHash, MinHashLSH
    from langdetect.lang_detect_exception import LangDetectException

    langdetect.DetectorFactory.seed = 0
    started = time.perf_counter()
    cpu = time.process_time()
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    rows, duplicates, n = [], 0, 0
    for source, text in iter_texts(paths, limit):
        n += 1
        lines = [line.strip() for line in text.splitlines()]
        kept = [ln for ln in lines if ln and not any(p.search(ln) for p in _BOILERPLATE)]
        body = "\n".join(kept)
        try:
            language = langdetect.detect(body)
        except LangDetectException:
            language = None
        words = _WORD.findall(body.lower())
        shingles = {" ".join(words[i : i + 4]).encode() for i in range(max(1, len(words) - 3))}
        signature = MinHash(num_perm=128)
        signature.update_batch(list(shingles))
        if lsh.query(signature):
            duplicates += 1
            continue
        lsh.insert(source, signature)
        rows.append({"source": source, "text": body, "language": language})
    pq.write_table(pa.Table.from_pylist(rows), out)
    wall = time.perf_counter() - started
    return {
        "docs": n,
        "wall": wall,
        "cpu": time.process_time() - cpu,
        "docs_per_s": n / wall if wall else 0.0,
        "articles": len(rows),
        "duplicates": duplicates,
        "out_bytes": out.stat().st_size,
    }
