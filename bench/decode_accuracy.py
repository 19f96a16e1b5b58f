"""How often each decoding strategy recovers news text exactly, per language and encoding.

Real articles (semeval2022-task8: ten languages) are encoded with the code pages their
languages were written in before UTF-8, then decoded by:

- ``before``: this project's decoder before issue 7 (BOM, strict UTF-8, then Windows-1252);
- ``charset-normalizer``: ``from_bytes(raw).best()`` alone;
- ``newsclean``: :func:`tasks.ingest.decode.decode_text` now.

A decoding counts when it gives back the exact text. Whole articles and their first 300
characters (a CSV cell, a short JSONL field) are both measured. Also reported: what each does
with random bytes (never a silent article is the goal: a reject or at least a non-Latin-looking
result langdetect will not accept). Needs ../shared/eval (or NEWSCLEAN_EVAL_DIR); prints a
table.

    python bench/decode_accuracy.py [--per-lang N]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import charset_normalizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks.ingest.decode import DecodeError, decode_text  # noqa: E402

EVAL_DIR = Path(os.environ.get("NEWSCLEAN_EVAL_DIR", ROOT.parent / "shared" / "eval"))
EVAL = EVAL_DIR / "semeval2022-task8" / "articles_by_lang.csv.gz"
ENCODINGS = {
    "en": ["cp1252", "utf-16-le", "utf-16"],
    "de": ["cp1252", "latin-1"],
    "fr": ["cp1252", "latin-1"],
    "es": ["cp1252", "latin-1"],
    "it": ["cp1252", "latin-1"],
    "pl": ["cp1250", "iso8859_2"],
    "tr": ["cp1254", "iso8859_9"],
    "ru": ["cp1251", "koi8_r", "utf-16-le"],
    "ar": ["cp1256"],
    "zh": ["gb18030"],
}


def before(raw: bytes) -> str:
    """The decoder as it was: BOM, binary check, strict UTF-8, Windows-1252, Latin-1."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if raw.startswith(bom):
            return raw.decode(encoding)
    if b"\x00" in raw[:8192]:
        raise ValueError("binary")
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


def normalizer(raw: bytes) -> str:
    best = charset_normalizer.from_bytes(raw).best()
    if best is None:
        raise ValueError("no guess")
    return str(best)


def newsclean(raw: bytes) -> str:
    return decode_text(raw)[0]


STRATEGIES: dict[str, Callable[[bytes], str]] = {
    "before": before,
    "charset-normalizer": normalizer,
    "newsclean": newsclean,
}


def load(per_lang: int) -> dict[str, list[str]]:
    csv.field_size_limit(1 << 30)
    texts: dict[str, list[str]] = {}
    with gzip.open(EVAL, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = " ".join(row["text"].split())
            if len(text) >= 300 and "Ã" not in text:  # skip the few mojibake rows
                texts.setdefault(row["lang"], []).append(text)
    return {lang: items[:per_lang] for lang, items in texts.items()}


def score(texts: list[str], encoding: str, strategy: Callable[[bytes], str]) -> tuple[int, int]:
    right = total = 0
    for text in texts:
        try:
            raw = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        total += 1
        with contextlib.suppress(ValueError, DecodeError):
            right += strategy(raw) == text
    return right, total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-lang", type=int, default=60)
    args = parser.parse_args()
    if not EVAL.exists():
        print(f"skipped: {EVAL} not found")
        return
    corpus = load(args.per_lang)
    names = list(STRATEGIES)
    print(f"| lang | encoding | length | n | {' | '.join(names)} |")
    print("|---|---|---|---|" + "---|" * len(names))
    totals = {name: [0, 0] for name in names}
    timings = dict.fromkeys(names, 0.0)
    for lang, encodings in ENCODINGS.items():
        for encoding in encodings:
            for length, texts in (("full", corpus[lang]), ("300", [t[:300] for t in corpus[lang]])):
                cells = []
                n = 0
                for name in names:
                    started = time.perf_counter()
                    right, n = score(texts, encoding, STRATEGIES[name])
                    timings[name] += time.perf_counter() - started
                    totals[name][0] += right
                    totals[name][1] += n
                    cells.append(f"{100 * right / n:.0f}%" if n else "-")
                print(f"| {lang} | {encoding} | {length} | {n} | {' | '.join(cells)} |")
    overall = [f"**{100 * r / n:.1f}%**" for r, n in totals.values()]
    print(f"| all | | | {totals[names[0]][1]} | {' | '.join(overall)} |")
    print()
    print("seconds spent:", ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    rng = random.Random(0)
    print()
    print("| random bytes (no NUL, 4 KiB) | outcome |")
    print("|---|---|")
    for name in names:
        outcomes: dict[str, int] = {}
        for _ in range(20):
            raw = bytes(rng.choice(range(32, 256)) for _ in range(4096))
            try:
                STRATEGIES[name](raw)
                outcome = "decoded"
            except (ValueError, DecodeError) as exc:
                outcome = f"refused ({getattr(exc, 'reason', 'error')})"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        print(f"| {name} | {outcomes} |")


if __name__ == "__main__":
    main()
