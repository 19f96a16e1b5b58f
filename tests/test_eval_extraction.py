"""Opt-in: on public gold data, the pipeline's text scores at least as well as plain trafilatura.

Runs ``bench/extraction.py`` (the real pipeline, same scoring for both systems) on the first
pages of each set in ``../shared/eval`` (or ``$NEWSCLEAN_EVAL_DIR``); skipped when the data is
absent. Deselect with ``-m "not eval"``.
"""

from __future__ import annotations

import pytest

from bench.extraction import default_eval_dir, evaluate_set

pytestmark = pytest.mark.eval

EVAL_DIR = default_eval_dir()


@pytest.mark.parametrize(
    ("name", "pages"),
    [("scrapinghub-aeb", 40), ("cleanportaleval", 30), ("trafilatura-eval", 80)],
)
def test_newsclean_f1_is_at_least_plain_trafilatura(name: str, pages: int) -> None:
    if not (EVAL_DIR / name).is_dir():
        pytest.skip(f"eval set {name} not found under {EVAL_DIR}")
    result = evaluate_set(EVAL_DIR, name, limit=pages)
    assert result.newsclean.pages == result.trafilatura.pages == pages
    assert sum(result.pipeline.outcomes.values()) == pages  # every page scored, none dropped
    assert result.newsclean.f1 >= result.trafilatura.f1, (
        f"{name}: newsclean F1 {result.newsclean.f1:.3f} < trafilatura {result.trafilatura.f1:.3f}"
    )
    assert result.newsclean.precision >= result.trafilatura.precision
