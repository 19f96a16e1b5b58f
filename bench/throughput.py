"""Throughput of ``newsclean run`` end to end, per stage, against a naive baseline.

Run from the repository root::

    python -m bench.throughput                      # 10k and 100k articles, a few minutes
    python -m bench.throughput --sizes 10000,100000,1000000 --html-pages 2000

For each size it generates (once, then reuses) a corpus of ~3 KB news articles
(:mod:`bench.corpus`), runs the real CLI in a new process with embedded Prefect, and prints
per stage docs/s, CPU seconds and peak RSS of the whole process tree (:mod:`bench.measure`),
plus output size; then the naive baseline (:mod:`bench.naive`) on a subsample of the same
corpus, extrapolated, and newsclean's speed as a ratio to it. Also: where the time goes inside
a shard (in process), both language backends, HTML pages through newsclean vs bare
``trafilatura.extract`` on all cores (:mod:`bench.pages`), and the seeds run's wall time in a
new process (first-ever, with database migrations, and with Prefect's home initialised).

The machine is shared: the load average is printed next to each measurement. Compare ratios
measured in the same run rather than absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bench.corpus import write_corpus
from bench.measure import Measured, du, load_average, run_measured
from bench.naive import naive_clean
from bench.pages import bare_trafilatura, write_pages

ROOT = Path(__file__).resolve().parent.parent
_LOG = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) \| \w+\s*\| (.*)$")
MB = 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": _machine(), "runs": []}
    print(f"# newsclean throughput, {results['machine']['summary']}")
    print(f"work dir {work}; load average (1/5 min) now {load_average()}\n")

    home = work / "prefect-home"
    if not args.skip_seeds:
        results["seeds"] = _seeds(work, home)
    elif not home.exists():
        _cli(["run", str(ROOT / "seeds"), "--out", str(work / "seeds-warmup")], home)

    for n in args.sizes:
        corpus = write_corpus(work / f"corpus-{args.format}-{n}", n, fmt=args.format)
        run = _newsclean(corpus, n, work / f"out-{args.format}-{n}", home, args.workers)
        run["corpus"] = f"{args.format}, {n} articles, {du(str(corpus)) / MB:.0f} MB"
        if not args.skip_baseline:
            k = min(n, args.baseline_docs)
            run["baseline"] = naive_clean(_files(corpus), k, work / f"naive-{n}.parquet")
            run["baseline"]["extrapolated"] = k < n
            run["baseline"]["load"] = load_average()
        _print_run(run)
        results["runs"].append(run)

    if not args.skip_breakdown and args.sizes:
        corpus = write_corpus(work / f"corpus-{args.format}-{args.sizes[0]}", args.sizes[0])
        results["breakdown"] = _breakdown(
            _files(corpus), max(1, min(args.sizes[0] // 2, 2000)), args.profile
        )
    if args.html_pages:
        results["html"] = _html(work, home, args.html_pages, args.workers)

    out = work / f"results-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nresults written to {out}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__)
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",") if x.strip()],
        default=[10_000, 100_000],
        help="corpus sizes in articles, comma-separated (default: 10000,100000; '' for none)",
    )
    parser.add_argument("--format", choices=["txt", "jsonl"], default="txt")
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "newsclean-bench"))
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
    parser.add_argument("--baseline-docs", type=int, default=1000, help="baseline subsample")
    parser.add_argument("--html-pages", type=int, default=500, help="0 skips the HTML bench")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-seeds", action="store_true")
    parser.add_argument("--skip-breakdown", action="store_true")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the shard work")
    return parser


def _machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    summary = f"{date.today()}, {os.cpu_count()} cores ({model or platform.machine()}), "
    summary += f"{mem:.0f} GiB, Python {platform.python_version()}"
    return {"date": str(date.today()), "cores": os.cpu_count(), "cpu": model, "summary": summary}


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="INFO",
    )
    env.pop("PREFECT_API_URL", None)
    return env


def _cli(args: list[str], home: Path) -> Measured:
    done = run_measured([sys.executable, "-m", "flows.cli", *args], _env(home), cwd=str(ROOT))
    if done.returncode != 0:
        raise SystemExit(f"newsclean {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done


def _files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.suffix in (".txt", ".jsonl"))


# --- newsclean end to end ------------------------------------------------------------


def _newsclean(corpus: Path, n: int, out: Path, home: Path, workers: int | None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    load = load_average()
    args = ["run", str(corpus), "--out", str(out), "--json"]
    if workers:
        args += ["--workers", str(workers)]
    done = _cli(args, home)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    events = _events(done)
    marks = [
        ("startup (imports, API server)", done.started, events.get("flow_begin")),
        ("discover + plan", events.get("flow_begin"), events.get("discover_done")),
        ("shards: read, clean, detect, sign", events.get("discover_done"), events.get("shards")),
        ("dedup + publish", events.get("shards"), events.get("assemble")),
        ("report + shutdown", events.get("assemble"), done.finished),
    ]
    stages = []
    for name, start, end in marks:
        if start is None or end is None:
            continue
        cpu, rss = done.window(start, end)
        stages.append(
            {
                "stage": name,
                "wall": end - start,
                "cpu": cpu,
                "peak_rss": rss,
                "cpu_by_role": _cpu_by_role(done, start, end),
            }
        )
    current = (out / ".newsclean" / "current").resolve()
    return {
        "n": n,
        "load_before": load,
        "load_after": load_average(),
        "summary": {k: summary[k] for k in ("inputs", "articles", "duplicates", "rejects")},
        "wall": done.wall,
        "cpu": done.cpu,
        "peak_rss": done.peak_rss,
        "stages": stages,
        "dataset_bytes": du(str(current)),
        "shard_cache_bytes": du(str(out / ".newsclean" / "shards")),
        "input_bytes": du(str(corpus)),
    }


def _role(done: Measured, pid: int) -> str:
    """Which part of the run a process is: the CLI (it runs the flow), Prefect's API server,
    a shard worker, or another helper process."""
    command = done.commands.get(pid, "")
    if pid == done.pid:
        return "flow"
    if "uvicorn" in command:
        return "server"
    if "spawn_main" in command:
        return "workers"
    return "other"


def _cpu_by_role(done: Measured, start: float, end: float) -> dict[str, float]:
    roles = {"flow": 0.0, "server": 0.0, "workers": 0.0, "other": 0.0}
    pids = {pid for sample in done.samples for pid in sample.per_process}
    for pid in pids:
        roles[_role(done, pid)] += done.process_cpu(pid, start, end)
    return roles


def _events(done: Measured) -> dict[str, float]:
    """Stage boundaries from Prefect's log lines (local wall clock, millisecond precision)."""
    day = datetime.fromtimestamp(done.started).date()
    events: dict[str, float] = {}
    for line in (done.stderr + "\n" + done.stdout).splitlines():
        match = _LOG.match(line)
        if not match:
            continue
        clock, message = match.groups()
        t = datetime.combine(day, datetime.strptime(clock, "%H:%M:%S.%f").time()).timestamp()
        if t < done.started - 3600:  # the run crossed midnight
            t += 86400
        finished = "Finished in state" in message
        if "Beginning flow run" in message:
            events["flow_begin"] = t
        elif finished and message.startswith("Task run 'discover-inputs"):
            events["discover_done"] = t
        elif finished and message.startswith(("Task run 'process-shard", "Task run 'shard ")):
            events["shards"] = max(t, events.get("shards", 0.0))
        elif finished and message.startswith("Task run 'deduplicate-and-publish"):
            events["assemble"] = t
    return events


def _print_run(run: dict) -> None:
    n = run["n"]
    s = run["summary"]
    print(f"## {run['corpus']} (load {run['load_before']} before, {run['load_after']} after)")
    print(
        f"   {s['inputs']} inputs -> {s['articles']} articles, {s['duplicates']} duplicates, "
        f"{s['rejects']} rejects"
    )
    print(
        f"   {'stage':38} {'wall s':>8} {'docs/s':>9} {'CPU s':>8} {'peak RSS':>9}   "
        "CPU s: flow / API server / workers"
    )
    for st in run["stages"]:
        rate = n / st["wall"] if st["stage"].startswith(("shards", "dedup")) else None
        roles = st["cpu_by_role"]
        print(
            f"   {st['stage']:38} {st['wall']:8.1f} {_fmt(rate):>9} {st['cpu']:8.1f} "
            f"{st['peak_rss'] / MB:7.0f}MB   "
            f"{roles['flow']:.1f} / {roles['server']:.1f} / {roles['workers']:.1f}"
        )
    print(
        f"   {'END TO END':38} {run['wall']:8.1f} {n / run['wall']:9.0f} {run['cpu']:8.1f} "
        f"{run['peak_rss'] / MB:7.0f}MB"
    )
    print(
        f"   output: dataset {run['dataset_bytes'] / MB:.0f} MB, shard cache "
        f"{run['shard_cache_bytes'] / MB:.0f} MB (input {run['input_bytes'] / MB:.0f} MB)"
    )
    base = run.get("baseline")
    if base:
        how = f"on the first {base['docs']}, extrapolated" if base["extrapolated"] else "all"
        ours = n / run["wall"]
        print(
            f"   naive baseline ({how}; 1 core; load {base['load']}): "
            f"{base['docs_per_s']:.0f} docs/s -> {n / base['docs_per_s']:.0f} s for {n}"
        )
        print(
            f"   newsclean / baseline: {ours / base['docs_per_s']:.1f}x "
            f"({ours / base['docs_per_s'] / (os.cpu_count() or 1):.1f}x against the baseline "
            f"ideally spread over all {os.cpu_count()} cores)"
        )
        # CPU per article does not depend on how busy the machine is nearly as much as wall
        # time does: the fairer comparison on a shared machine.
        ours_cpu, base_cpu = run["cpu"] / n, base["cpu"] / base["docs"]
        print(
            f"   CPU per article: newsclean {ours_cpu * 1e3:.2f} ms (all stages, all processes), "
            f"baseline {base_cpu * 1e3:.2f} ms: ratio {base_cpu / ours_cpu:.1f}x"
        )
    print()


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


# --- seeds ---------------------------------------------------------------------------


def _seeds(work: Path, home: Path) -> dict:
    """First-ever run (fresh PREFECT_HOME: migrations), then three runs with it initialised."""
    shutil.rmtree(home, ignore_errors=True)
    print("## seeds run (5 articles), each a new process with embedded Prefect")
    first = _cli(["run", str(ROOT / "seeds"), "--out", str(work / "seeds-0")], home)
    warm = []
    for i in range(1, 4):
        out = work / f"seeds-{i}"
        shutil.rmtree(out, ignore_errors=True)
        warm.append(_cli(["run", str(ROOT / "seeds"), "--out", str(out)], home).wall)
    print(f"   first-ever run (fresh Prefect home, migrations): {first.wall:.1f} s wall")
    print(
        f"   Prefect home initialised: {statistics.median(warm):.1f} s wall median of 3 "
        f"(min {min(warm):.1f}); load {load_average()}\n"
    )
    return {"first_ever": first.wall, "warm": warm, "load": load_average()}


# --- inside a shard ------------------------------------------------------------------


def _breakdown(files: list[Path], k: int, profile: bool) -> dict:
    """Where a shard's time goes, in this process, on ``k`` articles; both language backends."""
    from tasks import shard as shard_module
    from tasks.config import PipelineConfig
    from tasks.language import LanguageDetector

    warmup: list[str] = []
    if files[0].suffix == ".txt":
        # A worker process handles many shards: measure one warm (the RE2 DFA of the rules is
        # built lazily on the lines it meets), on articles the warm-up did not see.
        names = [str(p) for p in files]
        warmup, files = names[k : 2 * k], names[:k]
    else:
        files = [str(files[0])]
    spent: dict[str, float] = {"read": 0.0, "language": 0.0, "signatures": 0.0}

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] += time.process_time() - t

        return wrapper

    def timed_iter(fn):
        def wrapper(*a, **kw):
            it = fn(*a, **kw)
            while True:
                t = time.process_time()
                try:
                    item = next(it)
                except StopIteration:
                    spent["read"] += time.process_time() - t
                    return
                spent["read"] += time.process_time() - t
                yield item

        return wrapper

    processor = shard_module.ShardProcessor(PipelineConfig())
    if warmup:
        processor.process(warmup)
    detector = processor.cleaner.detector
    detector.detect = timed("language", detector.detect)
    originals = (shard_module.read_path, shard_module.compute_signatures)
    shard_module.read_path = timed_iter(shard_module.read_path)
    shard_module.compute_signatures = timed("signatures", shard_module.compute_signatures)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    try:
        t = time.process_time()
        result = processor.process(files)
        total = time.process_time() - t
        with tempfile.TemporaryDirectory() as tmp:
            t = time.process_time()
            shard_module.write_shard(result, Path(tmp) / "shard")
            spent["parquet + signatures file"] = time.process_time() - t
    finally:
        shard_module.read_path, shard_module.compute_signatures = originals
        if profiler:
            profiler.stop()
    docs = result.counts.inputs
    spent["clean (rules, repeats, teasers, title)"] = (
        total - spent["read"] - spent["language"] - spent["signatures"]
    )
    print(f"## inside one warm shard worker ({docs} articles, one process, CPU µs per article)")
    for name, seconds in spent.items():
        print(f"   {name:40} {seconds / docs * 1e6:8.0f}")
    whole = total + spent["parquet + signatures file"]
    print(f"   {'total':40} {whole / docs * 1e6:8.0f}  ({docs / whole:.0f} docs/s per core)")

    texts = result.candidates.column("text").to_pylist()[:300]
    rates = {}
    for backend in ("langdetect-rs", "langdetect"):
        det = LanguageDetector(backend=backend)
        t = time.process_time()
        for text in texts:
            det.detect(text)
        rates[backend] = len(texts) / (time.process_time() - t)
    print(
        f"   language backends on {len(texts)} cleaned articles: langdetect-rs "
        f"{rates['langdetect-rs']:.0f} docs/s, langdetect {rates['langdetect']:.0f} docs/s "
        f"({rates['langdetect-rs'] / rates['langdetect']:.0f}x, identical results)\n"
    )
    if profiler:
        print(profiler.output_text(unicode=True, color=False, show_all=False)[:6000])
    return {"docs": docs, "cpu": spent, "total": whole, "language_backends": rates}


# --- HTML ----------------------------------------------------------------------------


def _html(work: Path, home: Path, n: int, workers: int | None) -> dict:
    folder, origin = write_pages(work / f"pages-{n}", n)
    bare = bare_trafilatura(folder, workers)
    bare["load"] = load_average()
    run = _newsclean(folder, n, work / f"out-html-{n}", home, workers)
    shards = next((s for s in run["stages"] if s["stage"].startswith("shards")), None)
    ours = n / run["wall"]
    print(f"## HTML: {n} pages, {origin}")
    print(
        f"   bare trafilatura.extract, {bare['workers']} processes (warm pool): "
        f"{bare['pages_per_s']:.1f} pages/s (load {bare['load']})"
    )
    print(
        f"   newsclean run end to end: {ours:.1f} pages/s = {ours / bare['pages_per_s']:.0%} "
        f"of bare (load {run['load_before']})"
    )
    if shards:
        rate = n / shards["wall"]
        print(
            f"   newsclean shard stage (extract + clean + detect + sign + write): {rate:.1f} "
            f"pages/s = {rate / bare['pages_per_s']:.0%} of bare\n"
        )
    return {"origin": origin, "bare": bare, "newsclean": run}


if __name__ == "__main__":
    if not (ROOT / "seeds").is_dir():
        raise SystemExit("run from a newsclean checkout")
    sys.exit(main())
