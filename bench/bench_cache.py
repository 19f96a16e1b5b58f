"""What shard caching saves on the next scheduled run: cold run, unchanged rerun, one file changed.

Builds a synthetic corpus (distinct articles made from the seeds), runs the Prefect flow three
times on it in one process (Prefect's temporary local server unless PREFECT_API_URL names one;
a temporary PREFECT_HOME) and prints a table. Ratios are against the cold run measured in the
same invocation.

    python bench/bench_cache.py [--files 2000] [--shard-files 250] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_corpus(folder: Path, files: int) -> list[Path]:
    """Seed articles with the words of their long paragraphs shuffled (seeded): distinct
    articles that keep the seeds' boilerplate lines, so cleaning and dedup do real work."""
    seeds = [p.read_text() for p in sorted((ROOT / "seeds").iterdir())]
    paths = []
    for i in range(files):
        rng = random.Random(i)
        paragraphs = []
        for paragraph in seeds[i % len(seeds)].split("\n\n"):
            words = paragraph.split()
            if len(words) > 20:
                rng.shuffle(words)
            paragraphs.append(" ".join(words) if len(words) > 20 else paragraph)
        path = folder / f"{i // 1000:03d}" / f"article-{i:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(paragraphs) + "\n")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--shard-files", type=int, default=250)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="newsclean-bench-cache-"))
    os.environ["PREFECT_HOME"] = str(work / "prefect-home")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    from prefect.client.orchestration import get_client

    from flows.clean_news import clean_news
    from flows.params import CleanNewsParams

    with get_client(sync_client=True) as client:  # start the API before timing anything
        client.api_healthcheck()

    paths = build_corpus(work / "corpus", args.files)
    out = work / "out"
    shards_dir = out / ".newsclean" / "shards"
    params = CleanNewsParams(
        inputs=[str(work / "corpus")],
        out=str(out),
        shard_files=args.shard_files,
        workers=args.workers,
    )

    def run() -> tuple[float, int, int]:
        before = set(shards_dir.iterdir()) if shards_dir.is_dir() else set()
        started = time.perf_counter()
        summary = clean_news(params)
        seconds = time.perf_counter() - started
        new = len(set(shards_dir.iterdir()) - before)
        assert summary["accounted"]
        return seconds, new, summary["inputs"]

    shards = -(-args.files // args.shard_files)
    rows = [("cold: every shard processed", *run())]
    rows.append(("rerun, input unchanged", *run()))
    paths[0].write_text(paths[0].read_text() + "\nCorrection appended.\n")
    rows.append(("rerun, one file changed", *run()))

    cold = rows[0][1]
    print(f"{args.files} files, {shards} shards of {args.shard_files}, {args.workers} workers")
    print("| run | shards processed | shards from cache | inputs | wall s | vs cold |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, seconds, processed, inputs in rows:
        print(
            f"| {name} | {processed} | {shards - processed} | {inputs} | {seconds:.1f} "
            f"| {seconds / cold:.2f} |"
        )


if __name__ == "__main__":
    main()
