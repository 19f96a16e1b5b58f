"""Where ``newsclean run``'s shard stage loses time against bare trafilatura on HTML pages.

Run from the repository root::

    python -m bench.html_gap --pages 2000 --repeats 3

Each repeat measures bare ``trafilatura.extract`` on a warm pool of all cores
(:func:`bench.pages.bare_trafilatura`, wall and CPU seconds) and ``newsclean run`` in a new process
on the same pages, alternating which goes first, and prints their ratio measured in the same repeat
(the machine is shared: compare ratios, not absolute rates across runs). For ``newsclean run`` it
rebuilds each worker's timeline from Prefect's log lines (the worker's PID is added to the task-run
log format): start-up until its first shard starts processing, time processing shards, time between
shards (Prefect's task-run bookkeeping, cache keys), and idle time at the end while the other worker
finishes the last shard, and the stage's CPU seconds by process (workers inside and outside their
shards, the flow, the API server). ``--before DIR`` runs another checkout (``git archive <commit> |
tar -x -C DIR``) in each repeat as well, for before/after ratios measured in the same repeat. ``e2e
CPU`` is every process of the run (CLI, API server, workers, from start to exit); the bare pool's
CPU excludes its start-up, as its wall time does.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench.measure import Measured, load_average, run_measured
from bench.pages import bare_trafilatura, write_pages
from bench.throughput import ROOT, _env

_LINE = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) \| \w+\s*\| (.*)$")
_SHARD = re.compile(r"^Task run 'shard (\d+)/(\d+)' \[pid (\d+)\] - (.*)$")
_PROCESSED = re.compile(r"processed in ([\d.]+) s")
_TASK_FMT = (
    "%(asctime)s.%(msecs)03d | %(levelname)-7s | Task run %(task_run_name)r "
    "[pid %(process)d] - %(message)s"
)


@dataclass
class Shard:
    index: int
    pid: int = 0
    processing: float = 0.0  # the task body's own figure ("processed in X s")
    logged: float = 0.0  # when that line was logged (processing end)
    finished: float = 0.0  # Prefect's "Finished in state"


@dataclass
class Timeline:
    discovered: float
    shards: dict[int, Shard] = field(default_factory=dict)

    @property
    def end(self) -> float:
        return max(s.finished for s in self.shards.values())

    def workers(self) -> dict[int, dict[str, float]]:
        """Per worker PID: start-up, processing, between shards, idle at the end (seconds)."""
        by_pid: dict[int, list[Shard]] = defaultdict(list)
        for shard in self.shards.values():
            by_pid[shard.pid].append(shard)
        out = {}
        for pid, shards in by_pid.items():
            shards.sort(key=lambda s: s.logged)
            starts = [s.logged - s.processing for s in shards]
            between = sum(
                start - prev.finished for start, prev in zip(starts[1:], shards, strict=False)
            )
            tails = sum(s.finished - s.logged for s in shards)
            out[pid] = {
                "startup": starts[0] - self.discovered,
                "processing": sum(s.processing for s in shards),
                "between": between + tails,
                "idle_end": self.end - shards[-1].finished,
                "shards": len(shards),
            }
        return out


def parse(done: Measured) -> Timeline:
    day = datetime.fromtimestamp(done.started).date()
    discovered = 0.0
    shards: dict[int, Shard] = {}
    for line in done.stderr.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        clock, message = match.groups()
        t = datetime.combine(day, datetime.strptime(clock, "%H:%M:%S.%f").time()).timestamp()
        if t < done.started - 3600:
            t += 86400
        if message.startswith("Task run 'discover-inputs") and "Finished in state" in message:
            discovered = t
        found = _SHARD.match(message)
        if not found:
            continue
        i, pid, text = int(found.group(1)), int(found.group(3)), found.group(4)
        shard = shards.setdefault(i, Shard(i))
        shard.pid = pid
        processed = _PROCESSED.search(text)
        if processed:
            shard.processing, shard.logged = float(processed.group(1)), t
        elif text.startswith("Finished in state"):
            shard.finished = t
    return Timeline(discovered, shards)


def stage_cpu_by_process(done: Measured, timeline: Timeline) -> dict[str, float]:
    """CPU seconds of the shard stage by process: workers inside their shards' processing (the
    task body, Prefect's threads in that worker included), workers outside it (task-run
    bookkeeping, first-task start-up, waiting), the flow's process, Prefect's API server."""
    start, end = timeline.discovered, timeline.end
    out = {"in shards": 0.0, "workers outside": 0.0, "flow": 0.0, "server": 0.0, "other": 0.0}
    by_pid: dict[int, list[Shard]] = defaultdict(list)
    for shard in timeline.shards.values():
        by_pid[shard.pid].append(shard)
    pids: set[int] = set()
    for sample in done.samples:
        pids |= set(sample.per_process)
    for pid in pids:
        total = done.process_cpu(pid, start, end)
        if pid in by_pid:
            inside = sum(
                done.process_cpu(pid, s.logged - s.processing, s.logged) for s in by_pid[pid]
            )
            out["in shards"] += inside
            out["workers outside"] += total - inside
        elif pid == done.pid:
            out["flow"] += total
        elif "uvicorn" in done.commands.get(pid, ""):
            out["server"] += total
        else:
            out["other"] += total
    return out


def newsclean(
    pages: Path, out: Path, home: Path, workers: int | None, tree: Path = ROOT
) -> tuple[Measured, dict]:
    """``newsclean run`` of the checkout at ``tree`` (this one by default) in a new process."""
    shutil.rmtree(out, ignore_errors=True)
    env = _env(home)
    env["PYTHONPATH"] = str(tree)
    env["PREFECT_LOGGING_FORMATTERS_STANDARD_TASK_RUN_FMT"] = _TASK_FMT
    args = [sys.executable, "-m", "flows.cli", "run", str(pages), "--out", str(out)]
    if workers:
        args += ["--workers", str(workers)]
    done = run_measured(args, env, cwd=str(tree))
    if done.returncode != 0:
        raise SystemExit(f"newsclean run failed:\n{done.stderr[-3000:]}")
    timeline = parse(done)
    cpu, _ = done.window(timeline.discovered, timeline.end)
    stage = timeline.end - timeline.discovered
    split = stage_cpu_by_process(done, timeline)
    return done, {"stage_wall": stage, "stage_cpu": cpu, "timeline": timeline, "split": split}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.html_gap", description=__doc__)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "newsclean-bench"))
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="another checkout (e.g. git archive of an older commit) run in each repeat too",
    )
    args = parser.parse_args(argv)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    home = work / "prefect-home"
    if not home.exists():  # initialise Prefect's home (database migrations) outside the runs
        newsclean(ROOT / "seeds", work / "seeds-warmup", home, 1)
    pages, origin = write_pages(work / f"pages-{args.pages}", args.pages)
    n = args.pages
    print(f"# HTML gap: {n} pages ({origin}), {args.repeats} repeats")
    print(
        f"{'rep':>3} {'tree':>6} {'load':>9} {'bare p/s':>9} {'bare CPU':>9} {'stage p/s':>10} "
        f"{'ratio':>6} {'stage CPU':>10} {'CPU ratio':>9} {'e2e p/s':>8} {'e2e ratio':>9} "
        f"{'e2e CPU':>8}"
    )
    trees = {"this": ROOT, **({"before": args.before.resolve()} if args.before else {})}
    ratios: dict[str, dict[str, list[float]]] = {
        name: {"stage": [], "cpu": [], "e2e": []} for name in trees
    }
    for rep in range(args.repeats):
        load = load_average()
        order = ["bare", *trees]
        if rep % 2:
            order.reverse()
        runs = {}
        for which in order:
            if which == "bare":
                bare = bare_trafilatura(pages, args.workers)
            else:
                out = work / f"out-html-gap-{which}"
                runs[which] = newsclean(pages, out, home, args.workers, trees[which])
        for name, (done, ours) in runs.items():
            rate = n / ours["stage_wall"]
            got = ratios[name]
            got["stage"].append(rate / bare["pages_per_s"])
            got["cpu"].append(bare["cpu"] / ours["stage_cpu"])
            got["e2e"].append(n / done.wall / bare["pages_per_s"])
            print(
                f"{rep:>3} {name:>6} {load:>9} {bare['pages_per_s']:9.1f} {bare['cpu']:9.1f} "
                f"{rate:10.1f} {got['stage'][-1]:6.0%} {ours['stage_cpu']:10.1f} "
                f"{got['cpu'][-1]:9.0%} {n / done.wall:8.1f} {got['e2e'][-1]:9.0%} "
                f"{done.cpu:8.1f}"
            )
            timeline: Timeline = ours["timeline"]
            split = ", ".join(f"{k} {v:.1f}" for k, v in ours["split"].items())
            print(f"      stage CPU s by process: {split}")
            for pid, w in sorted(timeline.workers().items()):
                print(
                    f"      worker {pid}: {w['shards']:.0f} shards; start-up {w['startup']:.1f} s,"
                    f" processing {w['processing']:.1f} s, between shards {w['between']:.1f} s, "
                    f"idle at the end {w['idle_end']:.1f} s"
                )
    for name, got in ratios.items():
        print(
            f"median ({name}): shard stage {statistics.median(got['stage']):.0%} of bare (wall), "
            f"{statistics.median(got['cpu']):.0%} (CPU seconds); end to end "
            f"{statistics.median(got['e2e']):.0%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
