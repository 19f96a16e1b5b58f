"""HTML pages for the extraction benchmark, and bare trafilatura on every core to compare.

Pages are the 181 real news pages of ``scrapinghub-aeb`` (shared eval data) when present,
cycled to the requested count with a comment making each file distinct; otherwise articles
of the synthetic corpus wrapped in a page with navigation, sidebar and footer.
"""

from __future__ import annotations

import gzip
import html
import json
import multiprocessing
import os
import time
from pathlib import Path

import psutil

from bench.corpus import EVAL, Generator

PAGES = EVAL / "scrapinghub-aeb" / "html"
# The options tasks/extract.py uses, so the comparison isolates the pipeline's overhead. Bare
# trafilatura's with_metadata also collects categories, tags and licence, which the pipeline
# skips (tasks/page_meta.py: ~1.3 ms of ~22 ms a page): it is bare trafilatura as a user
# calls it.
OPTIONS = {
    "include_comments": False,
    "deduplicate": False,
    "favor_precision": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "include_formatting": False,
    "with_metadata": True,
}
_TEMPLATE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a>
</nav></header><main><article><h1>{title}</h1>{body}</article></main>
<aside><h3>Most read</h3><ul><li><a href="/a">Another story</a></li></ul></aside>
<footer><p>Copyright 2024 Example News. All rights reserved.</p></footer></body></html>
"""


def write_pages(folder: Path, n: int) -> tuple[Path, str]:
    """``n`` pages under ``folder/pages`` (reused when already there); returns (dir, origin)."""
    target = folder / "pages"
    sources = sorted(PAGES.glob("*.html.gz")) if PAGES.is_dir() else []
    origin = "scrapinghub-aeb (real pages)" if sources else "generated from the text corpus"
    done = folder / "_DONE"
    meta = {"n": n, "origin": origin}
    if done.exists() and json.loads(done.read_text()) == meta:
        return target, origin
    target.mkdir(parents=True, exist_ok=True)
    if sources:
        pages = [gzip.decompress(p.read_bytes()) for p in sources]
    else:
        pages = []
        for text in Generator(seed=1).articles(200):
            title, *paragraphs = [ln for ln in text.splitlines() if ln.strip()] or ["Untitled"]
            body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
            pages.append(_TEMPLATE.format(title=html.escape(title), body=body).encode())
    for i in range(n):
        page = pages[i % len(pages)] + f"\n<!-- copy {i} -->\n".encode()
        (target / f"{i:06d}.html").write_bytes(page)
    done.write_text(json.dumps(meta))
    return target, origin


def _extract(path: str) -> int:
    import trafilatura

    raw = Path(path).read_bytes()
    text = trafilatura.extract(raw.decode("utf-8", "replace"), **OPTIONS)
    return len(text or "")


def _warm(_: int) -> None:
    import trafilatura  # noqa: F401


def _cpu(procs: list[psutil.Process]) -> float:
    """CPU seconds of ``procs`` so far (the pool's workers)."""
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def bare_trafilatura(folder: Path, workers: int | None = None) -> dict[str, float]:
    """``trafilatura.extract`` on every page with a process pool on all cores (warm pool).

    Also the pool workers' CPU seconds over the same span, comparable on a shared machine.
    """
    paths = sorted(str(p) for p in folder.glob("*.html"))
    workers = workers or os.cpu_count() or 1
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_warm, range(workers))
        procs = [psutil.Process(p.pid) for p in multiprocessing.active_children()]
        cpu = _cpu(procs)
        started = time.perf_counter()
        lengths = pool.map(_extract, paths, chunksize=4)
        wall = time.perf_counter() - started
        cpu = _cpu(procs) - cpu
    return {
        "pages": len(paths),
        "wall": wall,
        "cpu": cpu,
        "pages_per_s": len(paths) / wall,
        "nonempty": sum(1 for n in lengths if n),
        "workers": workers,
    }
