"""Run a command and measure its whole process tree: wall time, CPU seconds, peak RSS.

``newsclean run`` is a process tree (the CLI, Prefect's temporary API server, the shard
workers), so one process's figures would miss most of the work. A sampler thread reads every
live descendant with psutil every ``interval`` seconds: CPU seconds are summed per process
(a process that exits keeps its last reading) and RSS is summed over the processes alive at
the sample (shared pages counted once per process: an upper bound). The end-to-end CPU total
comes from ``getrusage(RUSAGE_CHILDREN)``, which is exact for every reaped descendant.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass, field

import psutil


@dataclass(slots=True)
class Sample:
    t: float  # time.time()
    cpu: float  # cumulative CPU seconds of the tree
    rss: int  # bytes, summed over live processes
    per_process: dict[int, float] = field(default_factory=dict)  # pid -> CPU seconds so far


@dataclass(slots=True)
class Measured:
    returncode: int
    started: float
    finished: float
    cpu: float
    samples: list[Sample] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    commands: dict[int, str] = field(default_factory=dict)  # pid -> command line, as first seen
    pid: int = 0  # the command's own process

    @property
    def wall(self) -> float:
        return self.finished - self.started

    @property
    def peak_rss(self) -> int:
        return max((s.rss for s in self.samples), default=0)

    def window(self, start: float, end: float) -> tuple[float, int]:
        """CPU seconds and peak RSS between two wall-clock instants (from the samples)."""
        inside = [s for s in self.samples if start <= s.t <= end]
        before = [s for s in self.samples if s.t <= start]
        after = [s for s in self.samples if s.t >= end]
        cpu_start = before[-1].cpu if before else 0.0
        cpu_end = after[0].cpu if after else (self.samples[-1].cpu if self.samples else 0.0)
        peak = max((s.rss for s in inside), default=0)
        return max(0.0, cpu_end - cpu_start), peak

    def process_cpu(self, pid: int, start: float, end: float) -> float:
        """CPU seconds of one process between two instants (nearest samples outside them)."""
        before = [s.per_process.get(pid, 0.0) for s in self.samples if s.t <= start]
        after = [s.per_process[pid] for s in self.samples if s.t >= end and pid in s.per_process]
        last = [s.per_process[pid] for s in self.samples if pid in s.per_process]
        cpu_end = after[0] if after else (last[-1] if last else 0.0)
        return max(0.0, cpu_end - (before[-1] if before else 0.0))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(
    cmd: list[str], env: dict[str, str], cwd: str | None = None, interval: float = 0.2
) -> Measured:
    cpu_before = _children_cpu()
    started = time.time()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    samples: list[Sample] = []
    commands: dict[int, str] = {}
    stop = threading.Event()

    def sample() -> None:
        root = psutil.Process(proc.pid)
        seen: dict[int, float] = {}
        while not stop.is_set():
            rss = 0
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                tree = []
            for p in tree:
                try:
                    with p.oneshot():
                        times = p.cpu_times()
                        seen[p.pid] = times.user + times.system
                        rss += p.memory_info().rss
                    if p.pid not in commands:
                        commands[p.pid] = " ".join(p.cmdline())
                except psutil.Error:
                    continue
            samples.append(Sample(time.time(), sum(seen.values()), rss, dict(seen)))
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    stdout, stderr = proc.communicate()
    finished = time.time()
    stop.set()
    thread.join()
    samples.append(Sample(finished, max((s.cpu for s in samples), default=0.0), 0))
    return Measured(
        returncode=proc.returncode,
        started=started,
        finished=finished,
        cpu=_children_cpu() - cpu_before,
        samples=samples,
        stdout=stdout,
        stderr=stderr,
        commands=commands,
        pid=proc.pid,
    )


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def du(path: str) -> int:
    """Bytes of the regular files under ``path`` (symlinks not followed)."""
    total = 0
    for root, _, names in os.walk(path):
        for name in names:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
    return total
