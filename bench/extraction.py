"""Extraction quality against public gold data: newsclean's pipeline vs plain trafilatura.

Runs the real pipeline (:func:`tasks.pipeline.run_pipeline`: readers, extraction, cleaning,
site statistics, dedup) on the pages of an eval set in ``../shared/eval`` and scores its
``text`` column with the set's own method, next to plain ``trafilatura.extract`` (library
defaults) on the same pages with the same scoring::

    python bench/extraction.py                      # all three sets
    python bench/extraction.py --set cleanportaleval --limit 20
    python bench/extraction.py --set l3s-gn1 --set cleaneval    # held-out sets

Scoring, per set (see each set's SOURCE.md):

* ``scrapinghub-aeb`` and ``cleanportaleval``: ``\\w+`` tokens, multisets of 4-token shingles,
  per page TP/FP/FN normalised to sum to 1, precision and recall averaged over pages, F1 of the
  averages (the upstream ``evaluate.py`` of scrapinghub's benchmark). CleanPortalEval gold is
  read without its ``URL:`` line and ``<h>``/``<p>``/``<l>`` markers, entities unescaped.
* held out, never used to tune anything, only named with ``--set``: ``l3s-gn1`` (gold
  ``articleBody`` of its ``ground-truth.json``, pages from ``original/``) and ``cleaneval``
  (``dev`` and ``final-sample200`` parts, CleanEval gold read as for CleanPortalEval), both
  scored like scrapinghub-aeb.
* ``trafilatura-eval``: upstream snippet counting: a ``with`` snippet found in the output is a
  TP (missing: FN), a ``without`` snippet found is a FP; sums over pages.

Every page is scored, so nothing is silently excluded: a page the pipeline dropped as a
duplicate is scored with the text of the copy it kept, a rejected page with empty text.
The set folder is ``../shared/eval`` next to the repository, or ``$NEWSCLEAN_EVAL_DIR``, or
``--eval-dir``; when it is absent the bench says so and exits 0.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

SETS = ("scrapinghub-aeb", "cleanportaleval", "trafilatura-eval")
# Never used to tune anything: measured only to see whether a change generalises.
HELD_OUT = ("l3s-gn1", "cleaneval")
_TOKEN = re.compile(r"\w+")
_CLEANEVAL_MARKER = re.compile(r"^[ \t]*<[hpl]>", re.MULTILINE)
_URL_LINE = re.compile(r"\A\s*URL:[^\n]*")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def default_eval_dir() -> Path:
    """``$NEWSCLEAN_EVAL_DIR``, else ``../shared/eval`` relative to the repository."""
    configured = os.environ.get("NEWSCLEAN_EVAL_DIR")
    return Path(configured) if configured else ROOT.parent / "shared" / "eval"


# --- eval sets -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One page of an eval set: its gzipped HTML and its gold (text or snippets)."""

    id: str
    path: Path
    gold: Any


def load_pages(eval_dir: Path, name: str, limit: int | None = None) -> list[Page]:
    """The set's pages sorted by id; the first ``limit`` of them when given."""
    folder = eval_dir / name
    if name == "scrapinghub-aeb":
        truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
        pages = [
            Page(key, folder / "html" / f"{key}.html.gz", item.get("articleBody") or "")
            for key, item in truth.items()
        ]
    elif name == "cleanportaleval":
        pages = [
            Page(
                gold.stem,
                folder / "input" / f"{gold.stem}.html.gz",
                cleaneval_text(gold.read_text(encoding="utf-8", errors="replace")),
            )
            for gold in (folder / "GoldStandard").glob("*.txt")
        ]
    elif name == "cleaneval":
        pages = [
            Page(
                f"{part.name}/{gold.stem}",
                part / "input" / f"{gold.stem}.html.gz",
                cleaneval_text(gold.read_text(encoding="utf-8", errors="replace")),
            )
            for part in sorted(folder.iterdir())
            if part.is_dir()
            for gold in (part / "GoldStandard").glob("*.txt")
        ]
    elif name == "l3s-gn1":
        truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
        pages = [
            Page(key, folder / "original" / f"{key}.html.gz", item.get("articleBody") or "")
            for key, item in truth.items()
        ]
    elif name == "trafilatura-eval":
        data = json.loads((folder / "evaldata-subset.json").read_text(encoding="utf-8"))
        pages = [Page(key, folder / item["html"], item) for key, item in data.items()]
    else:
        known = ", ".join(SETS + HELD_OUT)
        raise ValueError(f"unknown eval set {name!r} (known: {known})")
    pages.sort(key=lambda page: page.id)
    return pages[:limit] if limit else pages


def cleaneval_text(gold: str) -> str:
    """CleanEval gold as plain text: no ``URL:`` line, markers or comments; entities unescaped."""
    body = _HTML_COMMENT.sub("", _URL_LINE.sub("", gold, count=1))
    return html.unescape(_CLEANEVAL_MARKER.sub("", body)).strip()


# --- scoring ---------------------------------------------------------------------------


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of ``n``-token shingles; a text shorter than ``n`` tokens is one shingle."""
    tokens = _TOKEN.findall(text or "")
    grams = (tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return Counter(gram for gram in grams if gram)


def shingle_match(gold: str, predicted: str) -> tuple[float, float, float]:
    """Per-page (TP, FP, FN) over shingle multisets, normalised to sum to 1."""
    true, pred = shingles(gold), shingles(predicted)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


@dataclass(slots=True)
class Score:
    """Precision, recall and F1 of one system on one set."""

    precision: float
    recall: float
    f1: float
    pages: int


def shingle_score(pages: Sequence[Page], outputs: dict[str, str]) -> Score:
    """Upstream scrapinghub averaging: P over pages with TP+FP > 0, R over TP+FN > 0."""
    matches = [shingle_match(page.gold, outputs.get(page.id, "")) for page in pages]
    precisions = [_ratio(tp, fp, fn, fp) for tp, fp, fn in matches if tp + fp > 0]
    recalls = [_ratio(tp, fp, fn, fn) for tp, fp, fn in matches if tp + fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    return Score(precision, recall, _f1(precision, recall), len(pages))


def _ratio(tp: float, fp: float, fn: float, miss: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == miss == 0:
        return 0.0
    return tp / (tp + miss)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippet_counts(item: dict[str, Any], output: str) -> tuple[int, int, int, int]:
    """Upstream trafilatura counting for one page: (TP, FP, FN, TN)."""
    text = _norm(output)
    tp = sum(1 for snippet in item["with"] if _norm(snippet) in text)
    fp = sum(1 for snippet in item["without"] if _norm(snippet) in text)
    return tp, fp, len(item["with"]) - tp, len(item["without"]) - fp


def snippet_score(pages: Sequence[Page], outputs: dict[str, str]) -> Score:
    tp = fp = fn = 0
    for page in pages:
        page_tp, page_fp, page_fn, _ = snippet_counts(page.gold, outputs.get(page.id, ""))
        tp, fp, fn = tp + page_tp, fp + page_fp, fn + page_fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return Score(precision, recall, _f1(precision, recall), len(pages))


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


SCORERS: dict[str, Callable[[Sequence[Page], dict[str, str]], Score]] = {
    "scrapinghub-aeb": shingle_score,
    "cleanportaleval": shingle_score,
    "trafilatura-eval": snippet_score,
    "l3s-gn1": shingle_score,
    "cleaneval": shingle_score,
}


# --- systems ---------------------------------------------------------------------------


@dataclass(slots=True)
class PipelineOutput:
    """The text the pipeline published for each page, and what happened to the pages."""

    texts: dict[str, str]
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def run_newsclean(pages: Sequence[Page], workdir: Path) -> PipelineOutput:
    """The real pipeline on the pages' files; every page mapped back by ``source``."""
    import pyarrow.dataset as ds

    from tasks.pipeline import run_pipeline

    by_source = {str(page.path): page.id for page in pages}
    started = time.perf_counter()
    run_pipeline(list(by_source), workdir / "out")
    seconds = time.perf_counter() - started

    def rows(name: str, columns: list[str]) -> list[dict[str, Any]]:
        dataset = ds.dataset(workdir / "out" / name, partitioning="hive")
        return dataset.to_table(columns=columns).to_pylist()

    articles = rows("articles", ["doc_id", "source", "text"])
    text_of_id = {row["doc_id"]: row["text"] for row in articles}
    texts: dict[str, str] = {}
    outcomes: Counter[str] = Counter()
    for row in articles:
        texts[by_source[row["source"]]] = row["text"]
        outcomes["article"] += 1
    for row in rows("duplicates", ["source", "duplicate_of"]):
        texts[by_source[row["source"]]] = text_of_id[row["duplicate_of"]]
        outcomes["duplicate"] += 1
    for row in rows("rejects", ["source", "reason"]):
        texts[by_source[row["source"]]] = ""
        outcomes[f"reject:{row['reason']}"] += 1
    missing = set(by_source.values()) - texts.keys()
    if missing:
        raise RuntimeError(f"{len(missing)} pages not accounted for by the pipeline")
    return PipelineOutput(texts, outcomes, seconds)


def run_trafilatura(pages: Sequence[Page]) -> PipelineOutput:
    """Plain ``trafilatura.extract`` with its defaults, raw bytes in (it decodes them)."""
    import trafilatura

    started = time.perf_counter()
    texts: dict[str, str] = {}
    for page in pages:
        raw = gzip.decompress(page.path.read_bytes())
        try:
            texts[page.id] = trafilatura.extract(raw) or ""
        except Exception:  # a crash counts as an empty extraction, as upstream scores it
            texts[page.id] = ""
    return PipelineOutput(texts, seconds=time.perf_counter() - started)


# --- report ----------------------------------------------------------------------------


@dataclass(slots=True)
class SetResult:
    name: str
    newsclean: Score
    trafilatura: Score
    pipeline: PipelineOutput
    baseline: PipelineOutput


def evaluate_set(eval_dir: Path, name: str, limit: int | None = None) -> SetResult:
    """Both systems on one set, scored the same way."""
    pages = load_pages(eval_dir, name, limit)
    with tempfile.TemporaryDirectory(prefix="newsclean-bench-") as tmp:
        pipeline = run_newsclean(pages, Path(tmp))
    baseline = run_trafilatura(pages)
    scorer = SCORERS[name]
    return SetResult(
        name, scorer(pages, pipeline.texts), scorer(pages, baseline.texts), pipeline, baseline
    )


def format_table(results: Sequence[SetResult]) -> str:
    header = (
        f"{'set':<18} {'pages':>5}  {'system':<12} {'precision':>9} {'recall':>7} {'F1':>6}"
        f"  {'seconds':>7}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        for system, score, output in (
            ("trafilatura", result.trafilatura, result.baseline),
            ("newsclean", result.newsclean, result.pipeline),
        ):
            lines.append(
                f"{result.name:<18} {score.pages:>5}  {system:<12} {score.precision:>9.3f}"
                f" {score.recall:>7.3f} {score.f1:>6.3f}  {output.seconds:>7.1f}"
            )
        delta = (
            result.newsclean.precision - result.trafilatura.precision,
            result.newsclean.recall - result.trafilatura.recall,
            result.newsclean.f1 - result.trafilatura.f1,
        )
        lines.append(
            f"{'':<18} {'':>5}  {'difference':<12} {delta[0]:>+9.4f} {delta[1]:>+7.4f}"
            f" {delta[2]:>+6.4f}"
        )
    lines.append("")
    for result in results:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(result.pipeline.outcomes.items()))
        lines.append(f"{result.name}: newsclean outcomes: {outcomes}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        choices=SETS + HELD_OUT,
        help="eval set (repeatable); the held-out l3s-gn1 and cleaneval only when named",
    )
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each set")
    parser.add_argument("--eval-dir", type=Path, default=None, help="folder holding the sets")
    args = parser.parse_args(argv)
    eval_dir = args.eval_dir or default_eval_dir()
    names = args.sets or list(SETS)
    available = [name for name in names if (eval_dir / name).is_dir()]
    if not available:
        print(f"extraction bench skipped: no eval sets under {eval_dir}")
        return 0
    for name in sorted(set(names) - set(available)):
        print(f"skipping {name}: not found under {eval_dir}")
    results = [evaluate_set(eval_dir, name, args.limit) for name in available]
    print(format_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
