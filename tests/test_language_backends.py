"""langdetect-rs (the fast default) must answer exactly as langdetect (the reference).

Exactly means the full ranked list: every language above langdetect's 0.1 threshold with its
unrounded probability, on articles, paragraphs and the short lines the teaser heuristics ask
about, in the languages the rules and word lists cover and a few scripts they do not.
"""

from __future__ import annotations

import csv
import gzip
import tomllib
from pathlib import Path

import pytest

from tasks.boilerplate import RULES_DIR
from tasks.function_words import DEFAULT_PATH as FUNCTION_WORDS
from tasks.language import LanguageDetector, default_backend

pytest.importorskip("langdetect_rs")

ROOT = Path(__file__).resolve().parent.parent
SEMEVAL = ROOT.parent / "shared" / "eval" / "semeval2022-task8" / "articles_by_lang.csv.gz"

OTHER_SCRIPTS = [
    "联合国秘书长潘基文星期五在日内瓦表示，叙利亚冲突正在导致国家解体。",
    "東京都は金曜日、新たに感染者が確認されたと発表した。",
    "서울시는 금요일 새로운 확진자가 확인되었다고 발표했다.",
    "Ο πρωθυπουργός συναντήθηκε με τον πρόεδρο της Κομισιόν στις Βρυξέλλες.",
    "ראש הממשלה נפגש עם נשיא ארצות הברית בבית הלבן.",
    "प्रधानमंत्री ने शुक्रवार को नई दिल्ली में संवाददाताओं से बात की।",
    "นายกรัฐมนตรีเดินทางไปเยือนกรุงปักกิ่งเมื่อวันศุกร์",
    "Премьер-министр заявил в пятницу, что переговоры продолжатся на следующей неделе.",
    "Rais wa Kenya amesema serikali itaongeza bajeti ya elimu mwaka ujao.",
    "Hallituksen mukaan neuvottelut jatkuvat ensi viikolla Helsingissä.",
]
EDGE_CASES = [
    "",
    "   ",
    "12345 67890 !!!",
    "https://example.com/news/2024/05/article.html",
    "Contact press@example.com for details",
    "AFP add:",
    "Speaking in Geneva, he said:",
    "Moscow Москва",
    "Leggi questo articolo in italiano qui",
    "إقرأ هذا الخبر بالعربية W460",
    "ok",
    "a" * 12_000,
]


def _sample() -> list[str]:
    texts: list[str] = list(OTHER_SCRIPTS) + EDGE_CASES
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        article = path.read_text(encoding="utf-8")
        lines = [line for line in article.splitlines() if line.strip()]
        texts += [article, "\n".join(lines[1:]), *lines, article * 4]
    for path in sorted(RULES_DIR.glob("*.toml")):
        with open(path, "rb") as handle:
            for rule in tomllib.load(handle)["rule"]:
                texts += rule["must_match"] + rule["must_not_match"]
    with open(FUNCTION_WORDS, "rb") as handle:
        for words in tomllib.load(handle).values():
            texts += [" ".join(words), " ".join(words[:6])]
    return texts


SAMPLE = _sample()


@pytest.fixture(scope="module")
def reference() -> LanguageDetector:
    return LanguageDetector(backend="langdetect")


@pytest.fixture(scope="module")
def fast() -> LanguageDetector:
    return LanguageDetector(backend="langdetect-rs")


def test_sample_is_varied():
    assert len(SAMPLE) > 500
    assert sum(len(t) < 40 for t in SAMPLE) > 200  # short lines are where langdetect wobbles


def test_backends_agree_on_languages_and_probabilities(reference, fast):
    mismatches = [
        (text[:60], reference.ranked(text), fast.ranked(text))
        for text in SAMPLE
        if reference.ranked(text) != fast.ranked(text)
    ]
    assert mismatches == []
    assert [reference.detect(t) for t in SAMPLE] == [fast.detect(t) for t in SAMPLE]


def test_fast_backend_is_deterministic_per_call(fast):
    forward = [fast.ranked(t) for t in SAMPLE]
    backward = [fast.ranked(t) for t in reversed(SAMPLE)][::-1]
    fresh = LanguageDetector(backend="langdetect-rs")
    assert forward == backward == [fresh.ranked(t) for t in SAMPLE]


def test_other_seed_changes_probabilities_not_the_contract(fast):
    other = LanguageDetector(seed=7, backend="langdetect-rs")
    text = "Leggi questo articolo in italiano qui"
    assert other.ranked(text) == LanguageDetector(seed=7, backend="langdetect").ranked(text)
    assert other.detect(SAMPLE[0]).language == fast.detect(SAMPLE[0]).language


def test_default_backend_is_the_fast_one_and_can_be_overridden(monkeypatch):
    monkeypatch.delenv("NEWSCLEAN_LANGDETECT", raising=False)
    assert default_backend() == "langdetect-rs"
    monkeypatch.setenv("NEWSCLEAN_LANGDETECT", "langdetect")
    assert LanguageDetector().backend == "langdetect"
    monkeypatch.setenv("NEWSCLEAN_LANGDETECT", "cld3")
    with pytest.raises(ValueError, match="NEWSCLEAN_LANGDETECT"):
        default_backend()


@pytest.mark.eval
@pytest.mark.skipif(not SEMEVAL.exists(), reason="../shared/eval/semeval2022-task8 absent")
def test_backends_agree_on_real_news_in_ten_languages(reference, fast):
    csv.field_size_limit(1 << 30)
    with gzip.open(SEMEVAL, "rt", encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    lines = [line for text in texts[::5] for line in text.splitlines() if line.strip()]
    disagree = [t[:60] for t in texts + lines if reference.ranked(t) != fast.ranked(t)]
    assert disagree == []
