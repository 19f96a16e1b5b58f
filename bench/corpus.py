"""A synthetic but realistic news corpus for benchmarks, at any size, reproducibly.

Why generated: no free corpus of a million news articles is at hand, and copying one would
freeze its quirks into the numbers. What is realistic about it:

* **Words and language statistics are real.** Body text comes from an order-1 word Markov
  chain per language, trained on the SemEval-2022 Task 8 articles in
  ``../shared/eval/semeval2022-task8`` (10 languages, real news) when present; else on the
  repository's seed articles and syndication fixtures (English only). Real word bigrams keep
  language detection, tokenising and boilerplate matching as costly as on real text, while
  generated sentences keep unrelated articles from sharing 4-word shingles by accident (a pool
  of whole sentences reused across a million articles would turn dedup into a stress test).
* **Shape is real.** ~3 KB articles (lognormal around ``target_chars``), a headline line,
  paragraphs of one to three sentences, and boilerplate lines taken from the examples of our own
  boilerplate rules (share rows, newsletter prompts, copyright lines...), in the article's
  language when a rule covers it.
* **Copies are real.** About 15% of articles are syndicated copies of an earlier article
  (other boilerplate, an edited headline, a changed word, sometimes the last paragraph cut),
  3% are byte-identical re-posts, and 0.5% are boilerplate-only pages that must be rejected.

Everything is drawn from one seeded generator: the same ``(n, seed)`` gives the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import os
import random
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# Research-only eval data lives beside the repository; NEWSCLEAN_EVAL points elsewhere.
EVAL = Path(os.environ.get("NEWSCLEAN_EVAL") or ROOT.parent / "shared" / "eval")
SEMEVAL = EVAL / "semeval2022-task8" / "articles_by_lang.csv.gz"
RULES = ROOT / "tasks" / "rules"
GENERATOR_VERSION = "1"

# Language mix of the corpus (roughly a European news crawl); languages without training
# text are dropped and the rest renormalised.
LANGUAGE_WEIGHTS = {
    "en": 0.50,
    "de": 0.10,
    "es": 0.08,
    "fr": 0.07,
    "it": 0.05,
    "ru": 0.05,
    "pl": 0.04,
    "tr": 0.04,
    "ar": 0.04,
    "zh": 0.03,
}
_CHAR_LEVEL = {"zh", "ja"}  # no spaces between words: the chain runs over characters
_SENTENCE_END = re.compile(r"[.!?。！？؟]['\"”’»)]*$")
_SYNDICATED, _EXACT, _JUNK = 0.15, 0.03, 0.005
_MAX_TOKENS, _MAX_TOKENS_CHAR = 1200, 3400  # longest article, in tokens (~7.5 KB)


@dataclass(slots=True)
class Chain:
    """Order-1 Markov chain over tokens in CSR form (successors of token t at offsets[t:t+1])."""

    vocab: list[str]
    offsets: np.ndarray
    successors: np.ndarray
    starts: np.ndarray  # tokens that begin a sentence
    ends: np.ndarray  # bool per token: ends a sentence
    joiner: str

    @classmethod
    def train(cls, texts: list[str], char_level: bool) -> Chain:
        index: dict[str, int] = {}
        pairs: list[tuple[int, int]] = []
        starts: set[int] = set()
        for text in texts:
            for line in text.splitlines():
                tokens = list(line.replace(" ", "")) if char_level else line.split()
                ids = [index.setdefault(t, len(index)) for t in tokens]
                if not ids:
                    continue
                starts.add(ids[0])
                pairs.extend(itertools.pairwise(ids))
        vocab = list(index)
        ends = np.array([bool(_SENTENCE_END.search(t)) for t in vocab], dtype=bool)
        for a, b in pairs:
            if ends[a]:
                starts.add(b)
        arr = np.array(sorted(set(pairs)) or [(0, 0)], dtype=np.int64)
        counts = np.bincount(arr[:, 0], minlength=len(vocab))
        # A token without successor restarts a sentence.
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(
            vocab=vocab,
            offsets=offsets,
            successors=arr[:, 1].copy(),
            starts=np.array(sorted(starts), dtype=np.int64),
            ends=ends,
            joiner="" if char_level else " ",
        )

    def walk(self, rng: np.random.Generator, rows: int, length: int) -> np.ndarray:
        """``rows`` independent walks of ``length`` tokens, vectorised across walks."""
        out = np.empty((rows, length), dtype=np.int64)
        state = self.starts[rng.integers(self.starts.size, size=rows)]
        counts = np.diff(self.offsets)
        for i in range(length):
            out[:, i] = state
            n = counts[state]
            nxt = self.successors[
                np.minimum(
                    self.offsets[state] + (rng.random(rows) * n).astype(np.int64),
                    self.successors.size - 1,
                )
            ]
            dead = n == 0
            if dead.any():
                nxt[dead] = self.starts[rng.integers(self.starts.size, size=int(dead.sum()))]
            state = nxt
        return out


class Generator:
    """Builds articles one by one; ``article(i)`` is deterministic given the seed."""

    def __init__(self, seed: int = 0, target_chars: int = 2600) -> None:
        self.seed = seed
        self.target_chars = target_chars
        texts = training_texts()
        self.source = "semeval2022-task8" if len(texts) > 1 else "seeds"
        self.chains = {
            lang: Chain.train(items, lang in _CHAR_LEVEL) for lang, items in texts.items()
        }
        weights = {k: v for k, v in LANGUAGE_WEIGHTS.items() if k in self.chains}
        total = sum(weights.values())
        self.languages = list(weights)
        self.weights = [weights[k] / total for k in self.languages]
        self.boilerplate = boilerplate_lines()
        self._originals: list[tuple[str, str, list[str]]] = []  # (lang, title, paragraphs)
        self._pools: dict[str, list[np.ndarray]] = {}

    def articles(self, n: int) -> Iterator[str]:
        rng = random.Random(self.seed)
        nrng = np.random.default_rng(self.seed)
        for _ in range(n):
            yield self._next(rng, nrng)

    def _next(self, rng: random.Random, nrng: np.random.Generator) -> str:
        roll = rng.random()
        if roll < _JUNK:
            lang = rng.choices(self.languages, self.weights)[0]
            return "\n".join(self._boiler(rng, lang, rng.randint(1, 4))) + "\n"
        if self._originals and roll < _JUNK + _EXACT:
            return self._render(rng, *rng.choice(self._originals[-2000:]), exact=True)
        if self._originals and roll < _JUNK + _EXACT + _SYNDICATED:
            lang, title, paragraphs = rng.choice(self._originals[-5000:])
            return self._render(rng, lang, *self._edit(rng, lang, title, paragraphs, nrng))
        lang = rng.choices(self.languages, self.weights)[0]
        title, paragraphs = self._compose(rng, nrng, lang)
        self._originals.append((lang, title, paragraphs))
        if len(self._originals) > 10_000:
            del self._originals[:5000]
        return self._render(rng, lang, title, paragraphs)

    def _walks(self, nrng: np.random.Generator, lang: str) -> np.ndarray:
        """Next pre-computed walk of the language's chain (walks are made 512 at a time)."""
        pool = self._pools.get(lang)
        if not pool:
            chain = self.chains[lang]
            length = _MAX_TOKENS_CHAR if chain.joiner == "" else _MAX_TOKENS
            pool = list(chain.walk(nrng, 512, length))
            pool.reverse()
            self._pools[lang] = pool
        return pool.pop()

    def _compose(
        self, rng: random.Random, nrng: np.random.Generator, lang: str
    ) -> tuple[str, list[str]]:
        chain = self.chains[lang]
        chars = int(self.target_chars * rng.lognormvariate(0, 0.35))
        per_token = 2.2 if chain.joiner == "" else 6.5
        walk = self._walks(nrng, lang)
        n_tokens = min(walk.size, max(40, int(chars / per_token)) + 12)
        words = [chain.vocab[t] for t in walk[:n_tokens].tolist()]
        ends = chain.ends[walk[:n_tokens]].tolist()
        title = chain.joiner.join(words[: rng.randint(6, 11)]).rstrip(".,;:!?。！？؟")
        paragraphs: list[str] = []
        start, sentences, limit = 12, 0, rng.randint(1, 3)
        for i in range(12, n_tokens):
            if ends[i]:
                sentences += 1
                if sentences >= limit:
                    paragraphs.append(chain.joiner.join(words[start : i + 1]))
                    start, sentences, limit = i + 1, 0, rng.randint(1, 3)
        if start < n_tokens:
            paragraphs.append(chain.joiner.join(words[start:n_tokens]) + ".")
        return title, paragraphs

    def _edit(
        self,
        rng: random.Random,
        lang: str,
        title: str,
        paragraphs: list[str],
        nrng: np.random.Generator,
    ) -> tuple[str, list[str]]:
        """A syndicated copy: edited headline, a changed word, maybe the last paragraph cut."""
        paragraphs = list(paragraphs)
        if rng.random() < 0.5:
            title = f"{title} | {rng.choice(['AP', 'Reuters', 'AFP', 'dpa', 'EFE'])}"
        if len(paragraphs) > 3 and rng.random() < 0.4:
            paragraphs.pop()
        i = rng.randrange(len(paragraphs))
        words = paragraphs[i].split(" ")
        if len(words) > 3:
            words[rng.randrange(len(words))] = rng.choice(["reportedly", "also", "now", "2024"])
            paragraphs[i] = " ".join(words)
        return title, paragraphs

    def _boiler(self, rng: random.Random, lang: str, k: int) -> list[str]:
        pool = self.boilerplate.get(lang) or self.boilerplate["en"]
        return [rng.choice(pool) for _ in range(k)]

    def _render(
        self, rng: random.Random, lang: str, title: str, paragraphs: list[str], exact: bool = False
    ) -> str:
        if exact:
            rng = random.Random(hash((title, len(paragraphs))) & 0xFFFFFFFF)
        lines = [title, *paragraphs]
        n_boiler = min(5, int(rng.expovariate(1 / 2.0)))
        for line in self._boiler(rng, lang, n_boiler):
            where = rng.choice((1, len(lines), rng.randint(1, len(lines))))
            lines.insert(where, line)
        if len(paragraphs) > 4 and rng.random() < 0.05:  # a paragraph printed twice
            lines.insert(len(lines) - 1, paragraphs[1])
        sep = "\n\n" if rng.random() < 0.5 else "\n"
        return sep.join(lines) + "\n"


def training_texts() -> dict[str, list[str]]:
    """Real news text per language: SemEval-2022 Task 8 when present, else our own English."""
    texts: dict[str, list[str]] = defaultdict(list)
    if SEMEVAL.exists():
        csv.field_size_limit(1 << 30)
        with gzip.open(SEMEVAL, "rt", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                texts[row["lang"]].append(row["text"])
        return dict(texts)
    own = sorted((ROOT / "seeds").glob("*.txt")) + sorted(
        (ROOT / "tests" / "fixtures" / "syndicated").glob("*.txt")
    )
    return {"en": [p.read_text(encoding="utf-8") for p in own]}


def boilerplate_lines() -> dict[str, list[str]]:
    """The ``must_match`` examples of the shipped rules, per language the rule covers."""
    lines: dict[str, list[str]] = defaultdict(list)
    for path in sorted(RULES.glob("*.toml")):
        with open(path, "rb") as handle:
            for rule in tomllib.load(handle).get("rule", []):
                for lang in rule["languages"]:
                    lines[lang].extend(rule["must_match"])
    return dict(lines)


def write_corpus(folder: Path, n: int, *, fmt: str = "txt", seed: int = 0) -> Path:
    """Write ``n`` articles under ``folder`` once (a ``_DONE`` marker makes it reusable).

    ``txt``: one file per article, 1000 per subfolder. ``jsonl``: 1000 articles per file.
    """
    done = folder / "_DONE"
    source = "semeval2022-task8" if SEMEVAL.exists() else "seeds"
    meta = {"n": n, "fmt": fmt, "seed": seed, "generator": GENERATOR_VERSION, "source": source}
    if done.exists() and json.loads(done.read_text()) == meta:
        return folder / "articles"
    target = folder / "articles"
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    target.mkdir(parents=True)
    generator = Generator(seed)
    handle = None
    for i, article in enumerate(generator.articles(n)):
        group = target / f"{i // 1000:05d}"
        if fmt == "txt":
            if i % 1000 == 0:
                group.mkdir()
            with open(group / f"{i:08d}.txt", "w", encoding="utf-8") as out:
                out.write(article)
        else:
            if i % 1000 == 0:
                if handle:
                    handle.close()
                handle = open(target / f"{i // 1000:05d}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
            handle.write(json.dumps({"id": i, "text": article}, ensure_ascii=False) + "\n")
    if handle:
        handle.close()
    done.write_text(json.dumps(meta))
    os.sync()
    return target
