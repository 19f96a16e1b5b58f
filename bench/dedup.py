"""Deduplication benchmark: a syndicated corpus with known ground truth, at several sizes.

    python bench/dedup.py                         # 10k and 100k documents
    python bench/dedup.py --sizes 10000,100000,1000000 --workers 2

The corpus is made from real sentences (``../shared/eval/semeval2022-task8/
articles_by_lang.csv.gz``, every language written with spaces; a synthetic Zipf vocabulary
when absent). A *story* is 6-10 paragraphs of two sentences of one source article, each word
replaced with probability 0.25 (and one word in every 8 for sure) by a word of that article's
language, so stories drawn from the same article are different stories on the same topic that
share at most 7 consecutive words. Each story is published by a site
(half of the sites leave one boilerplate line the line cleaner does not know) and copied by
0-20 other sites: other boilerplate, half retitled, a quarter trimmed by the last paragraph,
another quarter with an added paragraph, 40% lightly edited (1-3 words replaced). 8% of
stories have a follow-up article that quotes one sentence of >= 22 words verbatim: the same
story, not a copy. Ground truth: a story
and its copies are duplicates; the follow-up is a story link.

Each size runs in a fresh process (peak RSS is per size). Figures: pair precision and recall
of duplicate clusters, documents per second (signatures + clustering + verification, the texts
spilled from Parquet to disk and read back in batches, as the pipeline does), peak RSS of the
main process and of a signing worker; story-link precision and
recall among kept articles; datasketch's MinHashLSH on the same corpus (one process, its own
shingling of the same 4-word shingles) up to ``--datasketch-max`` documents; and how the
duplicate and story rules separate SemEval-2022 Task 8 pairs rated 1-1.5 from pairs rated 3-4.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import re
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks import minhash, stories  # noqa: E402
from tasks.dedup import DedupConfig, Signatures, compute_signatures, deduplicate  # noqa: E402
from tasks.textspill import Rows, spilled_texts  # noqa: E402

EVAL = Path(os.environ.get("NEWSCLEAN_EVAL", ROOT.parent / "shared" / "eval")) / "semeval2022-task8"
GEN_VERSION = "5"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+")
_BOILERPLATE = [
    "© {year} {site}. All rights reserved.",
    "Follow {site} for the latest updates.",
    "This story was first published by {site}.",
    "Sign up for the {site} morning briefing.",
    "Reporting by {site} staff; editing by the news desk.",
    "Read more stories like this on {site}.",
]


# --- the corpus ------------------------------------------------------------------------------


def sentence_pool(seed: int) -> tuple[list[list[str]], list[list[str]], str]:
    """Sentences per source article, the vocabulary of each article's language, a source tag."""
    path = EVAL / "articles_by_lang.csv.gz"
    if path.exists():
        csv.field_size_limit(1 << 30)
        by_lang: dict[str, set[str]] = {}
        topics, langs = [], []
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["lang"] == "zh":  # no spaces: one "word" per sentence
                    continue
                text = row["text"].replace("\n", " ")
                sentences = [
                    s
                    for s in _SENTENCE.split(text)
                    if 8 <= len(s.split()) <= 60
                    and all(len(_WORD.findall(w)) <= 2 for w in s.split())  # no URLs, dates
                ]
                if len(sentences) >= 6:
                    topics.append(sentences)
                    langs.append(row["lang"])
                    by_lang.setdefault(row["lang"], set()).update(text.split())
        vocab = {lang: sorted(words) for lang, words in by_lang.items()}
        return topics, [vocab[lang] for lang in langs], "semeval2022-task8"
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(50_000)]
    weights = [1 / (i + 1) for i in range(len(words))]
    topics = [
        [" ".join(rng.choices(words, weights, k=rng.randint(10, 30))) + "." for _ in range(12)]
        for _ in range(1500)
    ]
    return topics, [words] * len(topics), "synthetic"


def story_shape(seed: int, story: int) -> tuple[int, bool]:
    """(number of copies, has a follow-up), drawn first so documents per story are known."""
    rng = random.Random(f"{seed}:shape:{story}")
    u = rng.random()
    copies = 0 if u < 0.55 else 1 if u < 0.75 else 2 if u < 0.85 else rng.randint(3, 5)
    if u >= 0.95:
        copies = rng.randint(6, 20)
    return copies, rng.random() < 0.08


def _perturb(rng: random.Random, sentence: str, vocab: list[str]) -> str:
    """Each word replaced with probability 0.25, and at least one word in every 8: two stories
    drawing the same source sentence never share 8 consecutive (space-separated) words of it."""
    offset = rng.randrange(8)
    return " ".join(
        rng.choice(vocab) if (i + offset) % 8 == 0 or rng.random() < 0.25 else w
        for i, w in enumerate(sentence.split())
    )


def _site_lines(site: int) -> list[str]:
    """The boilerplate line half of the sites leave after cleaning (fixed per site)."""
    lines = [t.format(year=2024, site=f"Site{site:03d} News") for t in _BOILERPLATE]
    return random.Random(site).sample(lines, site % 2)


def story_docs(
    seed: int, story: int, topics: list[list[str]], vocab: list[list[str]]
) -> list[tuple[str, int, int, str]]:
    """(text, duplicate group, story group, kind) of one story's documents."""
    copies, follow_up = story_shape(seed, story)
    rng = random.Random(f"{seed}:story:{story}")
    topic = rng.randrange(len(topics))
    sentences, words = topics[topic], vocab[topic]

    def paragraph() -> str:
        return " ".join(_perturb(rng, rng.choice(sentences), words) for _ in range(2))

    title = " ".join(_perturb(rng, rng.choice(sentences), words).split()[:9])
    paragraphs = [paragraph() for _ in range(rng.randint(6, 10))]

    def compose(head: str, body: list[str], site: int) -> str:
        lines = _site_lines(site)
        before = lines[:1] if site % 3 == 0 else []
        return "\n\n".join([head, *before, *body, *lines[len(before) :]])

    docs = [(compose(title, paragraphs, rng.randrange(300)), story, story, "story")]
    for _ in range(copies):
        head = title if rng.random() < 0.5 else " ".join(paragraph().split()[:8])
        body = list(paragraphs)
        change = rng.random()
        if change < 0.25:
            body = body[:-1]
        elif change < 0.5:
            body.append(paragraph())
        if rng.random() < 0.4:
            for _ in range(rng.randint(1, 3)):
                k = rng.randrange(len(body))
                tokens = body[k].split()
                tokens[rng.randrange(len(tokens))] = rng.choice(words)
                body[k] = " ".join(tokens)
        docs.append((compose(head, body, rng.randrange(300)), story, story, "copy"))
    if follow_up:
        quotable = [s for p in paragraphs for s in _SENTENCE.split(p) if len(s.split()) >= 22]
        body = [paragraph() for _ in range(rng.randint(4, 7))]
        if quotable:
            body.insert(rng.randrange(len(body)), f'"{rng.choice(quotable)}"')
        head = " ".join(paragraph().split()[:8])
        docs.append((compose(head, body, rng.randrange(300)), -1 - story, story, "follow-up"))
    return docs


def _generate_part(args: tuple[int, int, int, int, str]) -> str:
    seed, lo, hi, limit, path = args
    topics, vocab, _ = sentence_pool(seed)
    rows: dict[str, list] = {"text": [], "dup_group": [], "story_group": [], "kind": []}
    for story in range(lo, hi):
        for text, dup, group, kind in story_docs(seed, story, topics, vocab):
            rows["text"].append(text)
            rows["dup_group"].append(dup)
            rows["story_group"].append(group)
            rows["kind"].append(kind)
    for column in rows.values():
        del column[limit:]
    pq.write_table(pa.table(rows), path, compression="zstd", row_group_size=8192)
    return path


def corpus(size: int, seed: int, workers: int, cache: Path) -> list[Path]:
    """Parquet parts of the first ``size`` documents (generated once, then cached)."""
    source = "semeval2022-task8" if (EVAL / "articles_by_lang.csv.gz").exists() else "synthetic"
    folder = cache / f"corpus-v{GEN_VERSION}-{source}-seed{seed}-{size}"
    done = folder / "_SUCCESS"
    if done.exists():
        return sorted(folder.glob("part-*.parquet"))
    folder.mkdir(parents=True, exist_ok=True)
    total, story = 0, 0
    while total < size:
        copies, follow = story_shape(seed, story)
        total += 1 + copies + int(follow)
        story += 1
    stories_per_part = max(1, story // max(1, workers * 4))
    jobs, counted = [], 0
    for lo in range(0, story, stories_per_part):
        hi = min(story, lo + stories_per_part)
        docs = sum(1 + c + int(f) for c, f in (story_shape(seed, s) for s in range(lo, hi)))
        limit = max(0, min(docs, size - counted))
        jobs.append((seed, lo, hi, limit, str(folder / f"part-{lo:08d}.parquet")))
        counted += docs
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        paths = [Path(p) for p in pool.map(_generate_part, jobs)]
    done.touch()
    return paths


# --- newsclean -------------------------------------------------------------------------------


def _sign_file(args: tuple[str, list[int], DedupConfig]) -> tuple[Signatures, int]:
    """Signatures of some row groups of one part, and the process's peak RSS (KB)."""
    path, groups, cfg = args
    table = pq.ParquetFile(path).read_row_groups(groups, columns=["text"])
    signatures = compute_signatures(table.column("text"), cfg)  # Arrow, no Python strings
    return signatures, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _gather(parts: Iterable[Signatures], n: int, cfg: DedupConfig) -> Signatures:
    """Join signatures arriving in order into arrays allocated once (no second full copy)."""
    matrix = np.empty((n, cfg.num_perm), dtype=np.uint32)
    counts = np.empty(n, dtype=np.int64)
    lengths = np.empty(n, dtype=np.int64)
    exact = np.empty((n, 2), dtype=np.uint64)
    lo, expected = 0, (minhash.ALGORITHM, cfg.shingle_size, cfg.num_perm, cfg.seed)
    for part in parts:
        if part.params != expected:
            raise ValueError(f"a worker signed with {part.params}, expected {expected}")
        hi = lo + len(part)
        matrix[lo:hi], counts[lo:hi] = part.matrix, part.shingle_counts
        lengths[lo:hi], exact[lo:hi] = part.char_lengths, part.exact_hashes
        lo = hi
    if lo != n:
        raise ValueError(f"signed {lo} documents, expected {n}")
    return Signatures(matrix, counts, lengths, exact, cfg.shingle_size, cfg.num_perm, cfg.seed)


def _sign_jobs(paths: list[Path], cfg: DedupConfig, groups_per_job: int = 4) -> list[tuple]:
    """Jobs of a few row groups (8,192 documents each), in corpus order."""
    jobs = []
    for path in paths:
        count = pq.ParquetFile(path).num_row_groups
        for lo in range(0, count, groups_per_job):
            jobs.append((str(path), list(range(lo, min(count, lo + groups_per_job))), cfg))
    return jobs


class CpuMeter:
    """CPU seconds of this process and of every descendant (worker processes started through a
    forkserver are grandchildren: ``RUSAGE_CHILDREN`` misses them), sampled every 0.1 s."""

    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _sample(self) -> None:
        for child in self.me.children(recursive=True):
            try:
                times = child.cpu_times()
            except Exception:  # the process just ended
                continue
            self.seen[child.pid] = times.user + times.system

    def _poll(self) -> None:
        while not self.stop.wait(0.1):
            self._sample()

    def __enter__(self) -> CpuMeter:
        self.started = time.perf_counter()
        self._sample()
        self.start_children = dict(self.seen)
        self.start_self = time.process_time()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sample()
        self.stop.set()
        self.thread.join()
        self.seconds = (time.process_time() - self.start_self) + sum(
            cpu - self.start_children.get(pid, 0.0) for pid, cpu in self.seen.items()
        )
        self.wall = time.perf_counter() - self.started


def run_newsclean(paths: list[Path], workers: int, spill: Path) -> dict:
    """Sign in threads (the compiled loops release the GIL); cluster with estimate
    verification (as against earlier runs: no text in memory); spill the texts to disk as the
    pipeline does and cluster with exact verification (the default, timed with the spilling);
    story clusters."""
    cfg = DedupConfig()
    meter = {name: CpuMeter() for name in ("sign", "estimate", "exact", "stories")}
    n = sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
    worker_rss = [0]

    def signed(results: Iterable[tuple[Signatures, int]]) -> Iterator[Signatures]:
        for part, rss in results:
            worker_rss[0] = max(worker_rss[0], rss)
            yield part

    with meter["sign"], ThreadPoolExecutor(workers) as pool:
        signatures = _gather(signed(pool.map(_sign_file, _sign_jobs(paths, cfg))), n, cfg)
    doc_ids = [f"d{i:08d}" for i in range(n)]

    def clusters(found: list) -> np.ndarray:
        """The row of each document's kept copy (doc_ids are ``d`` + row number)."""
        return np.array(
            [i if d.kept else int(d.duplicate_of[1:]) for i, d in enumerate(found)],
            dtype=np.int64,
        )

    with meter["estimate"]:
        estimated = deduplicate(doc_ids, ["bench"] * n, signatures, cfg, verify="estimate")
    rss_estimate = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cluster_estimate = clusters(estimated)
    del estimated
    columns = (pq.read_table(p, columns=["text"]).column("text") for p in paths)
    with ExitStack() as stack:
        with meter["exact"]:
            texts = stack.enter_context(spilled_texts(columns, spill))
            decisions = deduplicate(
                doc_ids, ["bench"] * n, signatures, cfg, texts=texts, workers=workers
            )
        rss_exact = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with meter["stories"]:
            kept = np.array([i for i, d in enumerate(decisions) if d.kept], dtype=np.int64)
            story_ids = stories.assign([doc_ids[i] for i in kept], Rows(texts, kept))

    sign_wall, sign_cpu = meter["sign"].wall, meter["sign"].seconds
    exact_wall, exact_cpu = meter["exact"].wall, meter["exact"].seconds
    estimate_wall, estimate_cpu = meter["estimate"].wall, meter["estimate"].seconds
    return {
        "cluster": clusters(decisions),
        "cluster_estimate": cluster_estimate,
        "kept": kept,
        "story": np.array([int(s[1:]) for s in story_ids], dtype=np.int64),
        "seconds_sign": sign_wall,
        "seconds_cluster": exact_wall,
        "seconds_cluster_estimate": estimate_wall,
        "seconds_stories": meter["stories"].wall,
        "docs_per_s": n / (sign_wall + exact_wall),
        "docs_per_cpu_s": n / (sign_cpu + exact_cpu),
        "docs_per_s_estimate": n / (sign_wall + estimate_wall),
        "docs_per_cpu_s_estimate": n / (sign_cpu + estimate_cpu),
        "peak_rss_mb": rss_exact / 1024,
        "peak_rss_mb_estimate": rss_estimate / 1024,
        "peak_rss_mb_stories": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_rss_mb": worker_rss[0] / 1024,
    }


# --- datasketch ------------------------------------------------------------------------------


def run_datasketch(paths: list[Path], threshold: float) -> dict:
    from datasketch import MinHash, MinHashLSH

    started, cpu = time.perf_counter(), time.process_time()
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    sketches = []
    for path in paths:
        texts = pq.read_table(path, columns=["text"]).column("text").to_pylist()
        shingle_sets = []
        for text in texts:
            words = minhash.WORD_RE.findall(text.casefold())
            grams = {" ".join(words[i : i + 4]).encode() for i in range(max(1, len(words) - 3))}
            shingle_sets.append(list(grams))
        sketches.extend(MinHash.bulk(shingle_sets, num_perm=128))
    with lsh.insertion_session() as session:
        for i, m in enumerate(sketches):
            session.insert(i, m)
    parent = list(range(len(sketches)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, m in enumerate(sketches):
        for j in lsh.query(m):
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    cluster = np.array([find(i) for i in range(len(sketches))], dtype=np.int64)
    return {
        "cluster": cluster,
        "docs_per_s": len(sketches) / (time.perf_counter() - started),
        "docs_per_cpu_s": len(sketches) / (time.process_time() - cpu),
    }


# --- scoring ---------------------------------------------------------------------------------


def _pairs(labels: np.ndarray) -> int:
    _, counts = np.unique(labels, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def pair_scores(predicted: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Pair precision and recall of a clustering against ground-truth groups."""
    both = predicted.astype(np.int64) * (int(truth.max()) - int(truth.min()) + 1) + (
        truth - truth.min()
    )
    tp, pred, true = _pairs(both), _pairs(predicted), _pairs(truth)
    return (tp / pred if pred else 1.0), (tp / true if true else 1.0)


def one_size(size: int, args: argparse.Namespace) -> dict:
    paths = corpus(size, args.seed, args.workers, Path(args.cache))
    truth = pq.read_table(paths[0].parent, columns=["dup_group", "story_group", "kind"])
    dup_truth = truth.column("dup_group").to_numpy()
    story_truth = truth.column("story_group").to_numpy()
    ours = run_newsclean(paths, args.workers, Path(args.cache) / "spill")
    precision, recall = pair_scores(ours["cluster"], dup_truth)
    e_precision, e_recall = pair_scores(ours["cluster_estimate"], dup_truth)
    s_precision, s_recall = pair_scores(ours["story"], story_truth[ours["kept"]])
    result = {
        "size": size,
        "precision": precision,
        "recall": recall,
        "precision_estimate": e_precision,
        "recall_estimate": e_recall,
        "story_precision": s_precision,
        "story_recall": s_recall,
        **{k: v for k, v in ours.items() if not isinstance(v, np.ndarray)},
    }
    if size <= args.datasketch_max:
        for threshold in (0.8, 0.6):
            theirs = run_datasketch(paths, threshold)
            p, r = pair_scores(theirs["cluster"], dup_truth)
            result[f"datasketch_{threshold}"] = {
                "precision": p,
                "recall": r,
                "docs_per_s": theirs["docs_per_s"],
                "docs_per_cpu_s": theirs["docs_per_cpu_s"],
            }
    return result


def _same_language_pairs() -> list[dict[str, str]]:
    """SemEval-2022 Task 8 test pairs whose two articles share a language ([] when absent)."""
    path = EVAL / "testing_set.csv"
    if not path.exists():
        return []
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["lang1"] == r["lang2"]]
    return rows


def semeval_separation() -> list[tuple[str, int, float, float, float, float]]:
    """Per rating group: pairs, duplicate rule, story rule (raw pair), story_id shared after
    cleaning all articles as one run, median Jaccard. Same-language pairs only."""
    rows = _same_language_pairs()
    if not rows:
        return []
    from tasks.boilerplate import RuleSet
    from tasks.cleaning import Cleaner
    from tasks.language import LanguageDetector

    cleaner = Cleaner(RuleSet.load(), LanguageDetector())
    distinct = sorted({t for r in rows for t in (r["text_1"], r["text_2"])})
    cleaned = [cleaner.clean(t).text for t in distinct]
    story_of = dict(
        zip(
            distinct,
            stories.assign([f"{i:05d}" for i in range(len(distinct))], cleaned),
            strict=True,
        )
    )
    cfg, story_cfg = DedupConfig(), stories.StoryConfig()
    groups: dict[str, list[tuple[bool, bool, bool, float]]] = {}
    for row in rows:
        overall = float(row["Overall"])
        name = "1-1.5" if overall <= 1.5 else "3-4" if overall >= 3 else None
        if name is None:
            continue
        a, b = row["text_1"], row["text_2"]
        sa, sb = minhash.shingle_sets([a, b], cfg.shingle_size)
        jaccard, containment = minhash.jaccard_containment(sa, sb)
        dup = jaccard >= cfg.jaccard_threshold or (
            containment >= cfg.containment_threshold and jaccard >= cfg.min_jaccard_for_containment
        )
        pa_, pb = stories.passage_sets([a, b], story_cfg)
        raw_story = np.intersect1d(pa_, pb).size > 0
        groups.setdefault(name, []).append((dup, raw_story, story_of[a] == story_of[b], jaccard))
    return [
        (
            name,
            len(g),
            sum(r[0] for r in g) / len(g),
            sum(r[1] for r in g) / len(g),
            sum(r[2] for r in g) / len(g),
            float(np.median([r[3] for r in g])),
        )
        for name, g in sorted(groups.items())
    ]


def semeval_sweep() -> list[tuple[str, str, float, float]]:
    """(measure, threshold, share of 1-1.5 pairs, share of 3-4 pairs) for shared-run lengths
    and Jaccard thresholds around the defaults: the trade-off each threshold makes."""
    rows = _same_language_pairs()
    if not rows:
        return []
    groups: dict[str, list[tuple[str, str]]] = {"1-1.5": [], "3-4": []}
    for row in rows:
        overall = float(row["Overall"])
        name = "1-1.5" if overall <= 1.5 else "3-4" if overall >= 3 else None
        if name:
            groups[name].append((row["text_1"], row["text_2"]))
    out = []
    for words in (8, 12, 16, 20, 30):
        cfg = stories.StoryConfig(passage_words=words, anchor_words=min(8, words))
        shares = []
        for pairs in groups.values():
            hits = 0
            for a, b in pairs:
                pa_, pb = stories.passage_sets([a, b], cfg)
                hits += np.intersect1d(pa_, pb).size > 0
            shares.append(hits / len(pairs))
        out.append(("shared run (words)", f">= {words}", *shares))
    jaccards = {
        name: [minhash.jaccard_containment(*minhash.shingle_sets([a, b], 4))[0] for a, b in pairs]
        for name, pairs in groups.items()
    }
    for threshold in (0.05, 0.1, 0.3, 0.5, 0.8):
        shares = [float(np.mean(np.array(j) >= threshold)) for j in jaccards.values()]
        out.append(("4-shingle Jaccard", f">= {threshold}", *shares))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--datasketch-max", type=int, default=100_000)
    parser.add_argument("--cache", default="/tmp/newsclean-bench/dedup")
    parser.add_argument(
        "--generate-only", action="store_true", help="only generate (and cache) the corpora"
    )
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        for size in (int(s) for s in args.sizes.split(",")):
            started = time.perf_counter()
            paths = corpus(size, args.seed, args.workers, Path(args.cache))
            print(f"{size} documents: {paths[0].parent} ({time.perf_counter() - started:.0f} s)")
        return
    if args.one_size:
        print(json.dumps(one_size(args.one_size, args)))
        return
    print(
        f"corpus source: {'semeval2022-task8' if EVAL.exists() else 'synthetic'}; "
        f"workers: {args.workers}; default thresholds (J>=0.8, or C>=0.9 with J>=0.5)"
    )
    header = (
        f"{'docs':>9} {'precision':>9} {'recall':>7} {'docs/s':>8} {'docs/CPU-s':>10} "
        f"{'sign s':>7} {'cluster s':>9} {'stories s':>9} {'RSS MB':>7} {'(no text)':>9} "
        f"{'(stories)':>10} "
        f"{'worker MB':>9} {'story P':>7} {'story R':>7}"
    )
    print(header)
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        command = [
            sys.executable,
            __file__,
            "--one-size",
            str(size),
            "--workers",
            str(args.workers),
            "--seed",
            str(args.seed),
            "--datasketch-max",
            str(args.datasketch_max),
            "--cache",
            args.cache,
        ]
        child = subprocess.run(command, capture_output=True, text=True)
        if child.returncode:
            sys.exit(f"size {size} failed:\n{child.stderr[-3000:]}")
        r = json.loads(child.stdout.strip().splitlines()[-1])
        results.append(r)
        print(
            f"{r['size']:>9} {r['precision']:>9.4f} {r['recall']:>7.4f} {r['docs_per_s']:>8.0f} "
            f"{r['docs_per_cpu_s']:>10.0f} {r['seconds_sign']:>7.1f} {r['seconds_cluster']:>9.1f} "
            f"{r['seconds_stories']:>9.1f} {r['peak_rss_mb']:>7.0f} "
            f"{r['peak_rss_mb_estimate']:>9.0f} {r['peak_rss_mb_stories']:>10.0f} "
            f"{r['worker_rss_mb']:>9.0f} "
            f"{r['story_precision']:>7.4f} {r['story_recall']:>7.4f}",
            flush=True,
        )
    print("\nSame corpus: verification modes, and datasketch MinHashLSH (128 perms, one process,")
    print("its own shingling of the same 4-word shingles, candidates taken as duplicates)")
    print(
        f"{'docs':>9} {'method':<22} {'precision':>9} {'recall':>7} {'docs/s':>8} "
        f"{'docs/CPU-s':>10}"
    )
    for r in results:
        rows_ = [
            ("newsclean exact", r["precision"], r["recall"], r["docs_per_s"], r["docs_per_cpu_s"]),
            (
                "newsclean estimate",
                r["precision_estimate"],
                r["recall_estimate"],
                r["docs_per_s_estimate"],
                r["docs_per_cpu_s_estimate"],
            ),
        ]
        for threshold in ("0.8", "0.6"):
            d = r.get(f"datasketch_{threshold}")
            if d:
                rows_.append(
                    (
                        f"datasketch t={threshold}",
                        d["precision"],
                        d["recall"],
                        d["docs_per_s"],
                        d["docs_per_cpu_s"],
                    )
                )
        for name, p_, r_, wall, cpu in rows_:
            print(f"{r['size']:>9} {name:<22} {p_:>9.4f} {r_:>7.4f} {wall:>8.0f} {cpu:>10.0f}")
    rows = semeval_separation()
    if rows:
        print("\nSemEval-2022 Task 8 same-language pairs (Overall: 1 = same story, 4 = unrelated)")
        print(
            f"{'rated':>7} {'pairs':>6} {'duplicate rule':>14} {'story, raw':>10} "
            f"{'story, cleaned run':>18} {'median J':>8}"
        )
        for name, count, dup, story, run_story, median in rows:
            print(
                f"{name:>7} {count:>6} {dup:>14.1%} {story:>10.1%} {run_story:>18.1%} "
                f"{median:>8.3f}"
            )
        print(f"\n{'measure':<20} {'threshold':>9} {'rated 1-1.5':>11} {'rated 3-4':>9}")
        for measure, threshold, good, bad in semeval_sweep():
            print(f"{measure:<20} {threshold:>9} {good:>11.1%} {bad:>9.1%}")


if __name__ == "__main__":
    main()
