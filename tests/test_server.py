"""Running like production, against a real ``prefect server start`` on a free local port.

The CLI, ``newsclean serve`` and a process worker run as subprocesses pointed at the server with
PREFECT_API_URL; everything is checked through the server's REST API (what the UI shows).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from prefect_server import ROOT, PrefectServer, stop_group

from flows.report import COUNTS_KEY, REPORT_KEY
from tasks.charts import PALETTE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with PrefectServer.running(tmp_path_factory.mktemp("prefect-server")) as running:
        yield running


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """The seeds plus the fixtures (HTML, CSV, JSONL, copies, rejects): 27 inputs."""
    folder = tmp_path_factory.mktemp("inputs")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    shutil.copytree(ROOT / "tests" / "fixtures", folder / "fixtures")
    return folder


def newsclean(server: PrefectServer, home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        env=server.client_env(home),
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def first_run(server, inputs, tmp_path_factory):
    """One CLI run in three shards on two worker processes; its output folder and flow run."""
    work = tmp_path_factory.mktemp("first-run")
    out = work / "out"
    args = ("run", str(inputs), "--out", str(out), "--shard-files", "6", "--workers", "2")
    done = newsclean(server, work / "home", *args, "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    [run] = server.runs_writing(out)
    return {"work": work, "out": out, "args": args, "summary": summary, "run": run}


def test_run_completes_with_parameters_task_runs_and_artifacts(server, first_run, inputs):
    run = first_run["run"]
    assert run["state_type"] == "COMPLETED"
    assert run["parameters"]["params"]["inputs"] == [str(inputs)]
    assert first_run["summary"]["inputs"] == 27 and first_run["summary"]["accounted"]

    task_runs = server.task_runs(run["id"])
    assert all(t["state_type"] == "COMPLETED" for t in task_runs)
    names = sorted(t["name"] for t in task_runs)
    assert [n for n in names if n.startswith("shard ")] == ["shard 1/3", "shard 2/3", "shard 3/3"]
    kinds = {re.sub(r"-[0-9a-f]{3}$", "", n) for n in names if not n.startswith("shard ")}
    assert kinds == {"discover-inputs", "deduplicate-and-publish", "publish-report"}

    artifacts = server.artifacts(run["id"])
    assert set(artifacts) == {COUNTS_KEY, REPORT_KEY}
    counts = json.loads(artifacts[COUNTS_KEY]["data"])
    assert {"group": "run", "name": "inputs", "value": 27} in counts
    report = artifacts[REPORT_KEY]["data"]
    charts = re.findall(r"!\[([^\]]*)\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", report)
    titles = [alt.split(":")[0] for alt, _ in charts]
    assert "Inputs by outcome" in titles and "Rejects by reason" in titles
    svg = base64.b64decode(charts[titles.index("Inputs by outcome")][1]).decode()
    assert svg.startswith("<svg") and ">duplicates</text>" in svg


def test_logs_say_what_each_shard_did(server, first_run):
    logs = server.logs(first_run["run"]["id"])
    shard_lines = [m for m in logs if re.match(r"shard [0-9a-f]{12} processed in", m)]
    assert len(shard_lines) == 3
    assert all("inputs ->" in m and "boilerplate lines removed" in m for m in shard_lines)
    assert any("3 shard(s) in 2 worker processes: 0 unchanged" in m for m in logs)


def test_second_run_on_unchanged_input_reuses_cached_shards(server, first_run):
    shards = sorted((first_run["out"] / ".newsclean" / "shards").iterdir())
    stamps = [(s / "_SUCCESS").stat().st_mtime_ns for s in shards]

    done = newsclean(server, first_run["work"] / "home", *first_run["args"])

    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("Finished in state Cached(type=COMPLETED)") == 3
    runs = server.runs_writing(first_run["out"])
    assert [r["state_type"] for r in runs] == ["COMPLETED", "COMPLETED"]
    rerun = runs[1]
    shard_runs = [t for t in server.task_runs(rerun["id"]) if t["name"].startswith("shard ")]
    assert sorted(t["state_name"] for t in shard_runs) == ["Cached"] * 3
    logs = server.logs(rerun["id"])
    reuse = "3 unchanged since an earlier run (cache hit, not recomputed), 0 processed"
    assert any(reuse in m for m in logs)
    # Not recomputed: the shard results on disk were not written again.
    assert [(s / "_SUCCESS").stat().st_mtime_ns for s in shards] == stamps
    assert "27 inputs -> 0 articles" in done.stdout and "(27 already published)" in done.stdout


def test_run_that_cannot_complete_fails_with_its_reason(server, tmp_path):
    missing = tmp_path / "incoming"
    code = (
        "from flows.clean_news import clean_news\n"
        "from flows.params import CleanNewsParams\n"
        f"clean_news(CleanNewsParams(inputs=[{str(missing)!r}], out={str(tmp_path / 'o')!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=server.client_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    [run] = server.runs_writing(tmp_path / "o")
    assert run["state_type"] == "FAILED"
    assert f"input not found: {missing}" in run["state"]["message"]


def test_shard_over_its_timeout_fails_the_run_naming_the_shard(server, tmp_path):
    inputs = tmp_path / "big"
    inputs.mkdir()
    paragraph = "The council met on Tuesday to discuss the budget for the coming year. " * 8
    (inputs / "long.txt").write_text("\n\n".join([paragraph] * 4000))  # ~2.3 MB, seconds
    out = tmp_path / "o"
    done = newsclean(
        server, tmp_path / "home", "run", str(inputs), "--out", str(out), "--shard-timeout", "0.2"
    )
    assert done.returncode == 1
    [run] = server.runs_writing(out)
    assert run["state_type"] == "FAILED"
    message = run["state"]["message"]
    assert "shard 1/1 (1 files from" in message and "TimeoutError" in message


def test_serve_runs_the_flow_on_its_schedule(server, inputs, tmp_path):
    """``newsclean serve`` with a 5 s interval: two scheduled runs, the second from cache."""
    out = tmp_path / "out"
    log = tmp_path / "serve.log"
    env = server.client_env(tmp_path / "home", PREFECT_RUNNER_POLL_FREQUENCY="1")
    args = ["serve", str(inputs / "seeds"), "--out", str(out), "--interval", "5"]
    with open(log, "wb") as sink:
        serve = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", *args, "--name", "every-5s"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def two_completed():
            deployment = _deployment(server, "every-5s")
            if not deployment:
                return None
            runs = server.flow_runs(deployment_id={"any_": [deployment["id"]]})
            done = [r for r in runs if r["state_type"] == "COMPLETED"]
            bad = [r for r in runs if r["state_type"] in ("FAILED", "CRASHED")]
            assert not bad, (bad[0]["state"], log.read_text()[-3000:])
            return done if len(done) >= 2 else None

        completed = server.wait_for(two_completed, 240, "two scheduled runs", every_s=2)
    finally:
        os.kill(serve.pid, signal.SIGINT)  # Ctrl-C: Prefect pauses the deployment, then exits
        try:
            serve.wait(timeout=60)
        finally:
            stop_group(serve, signal.SIGTERM)

    first, second = completed[:2]
    assert first["auto_scheduled"] and second["auto_scheduled"]
    assert first["parameters"]["params"]["out"] == str(out)
    shard = [t for t in server.task_runs(second["id"]) if t["name"].startswith("shard ")]
    assert [t["state_name"] for t in shard] == ["Cached"]
    assert any("1 unchanged since an earlier run" in m for m in server.logs(second["id"]))
    assert _deployment(server, "every-5s")["paused"] is True


def test_prefect_yaml_deploys_and_a_worker_runs_it(server, inputs, tmp_path):
    env = server.client_env(tmp_path / "home", PREFECT_WORKER_PREFETCH_SECONDS="0")

    def prefect(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "prefect", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
        return done

    prefect("work-pool", "create", "newsclean", "--type", "process")
    prefect("--no-prompt", "deploy", "--prefect-file", "flows/prefect.yaml", "--all")

    deployment = _deployment(server, "hourly")
    assert deployment["entrypoint"] == "flows/clean_news.py:clean_news"
    assert deployment["work_pool_name"] == "newsclean"
    [schedule] = deployment["schedules"]
    assert schedule["schedule"]["cron"] == "0 * * * *" and schedule["active"]
    assert deployment["parameters"]["params"]["inputs"] == ["seeds"]
    assert deployment["global_concurrency_limit"]["limit"] == 1  # one run at a time
    # Keep the hourly schedule from firing into the repository's data/ during the test.
    server.patch(f"/deployments/{deployment['id']}/schedules/{schedule['id']}", {"active": False})

    out = tmp_path / "out"
    params = {"params": {"inputs": [str(inputs / "seeds")], "out": str(out)}}
    prefect("deployment", "run", "clean-news/hourly", "--params", json.dumps(params))
    prefect("worker", "start", "--pool", "newsclean", "--run-once")

    runs = server.flow_runs(deployment_id={"any_": [deployment["id"]]})
    # The scheduler may have queued future hourly runs before the schedule was paused; they stay
    # SCHEDULED. The run we asked for is the one that ran, and it completed.
    states = [r["state_type"] for r in runs]
    assert states.count("COMPLETED") == 1
    assert set(states) <= {"COMPLETED", "SCHEDULED"}
    assert (out / "articles").is_dir()


def _deployment(server: PrefectServer, name: str) -> dict | None:
    found = server.post("/deployments/filter", {"deployments": {"name": {"any_": [name]}}})
    return found[0] if found else None


CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)
SCREENSHOTS = ROOT / "bench" / "out" / "ui"


def chromium(url: str, *, screenshot: Path | None = None, size: str = "1400,1000") -> str:
    """Load ``url`` in headless Chromium; give the JS app time; the DOM it rendered."""
    profile = tempfile.mkdtemp(prefix="newsclean-chromium-")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={size}",
        "--virtual-time-budget=30000",
    ]
    action = [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    try:
        done = subprocess.run(
            [CHROMIUM, *flags, *action, url], capture_output=True, text=True, timeout=180
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def pixels_of(png: Path, rgb: tuple[int, int, int]) -> int:
    from PIL import Image

    with Image.open(png) as image:
        counts = image.convert("RGB").getcolors(maxcolors=1 << 24)
    return sum(
        n for n, color in counts if max(abs(a - b) for a, b in zip(color, rgb, strict=True)) <= 4
    )


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_a_person_sees_the_report_and_its_charts_in_the_ui(server, first_run):
    """What the UI renders, in a real browser: the run's artifacts and the report's charts."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    run_id = first_run["run"]["id"]
    report_id = server.artifacts(run_id)[REPORT_KEY]["id"]

    run_page = f"{server.url}/v2/runs/flow-run/{run_id}?tab=Artifacts"
    dom = chromium(run_page)
    assert first_run["run"]["name"] in dom
    assert REPORT_KEY in dom and COUNTS_KEY in dom
    chromium(run_page, screenshot=SCREENSHOTS / "run-artifacts.png")

    # The React UI (v2, the server's default) and the Vue UI (v1) sanitise markdown differently.
    for ui, page in (
        ("v2", f"/v2/artifacts/artifact/{report_id}"),
        ("v1", f"/artifacts/artifact/{report_id}"),
    ):
        dom = chromium(server.url + page, size="1400,1900")
        assert 'alt="Removed lines per category' in dom and "data:image/svg+xml;base64," in dom
        shot = SCREENSHOTS / f"report-{ui}.png"
        chromium(server.url + page, screenshot=shot, size="1400,1900")
        # The bars are drawn: chart colours cover real area in the picture, not only the DOM.
        assert pixels_of(shot, _rgb(PALETTE[0])) > 2000, f"no category bars in {shot}"
        assert pixels_of(shot, _rgb(PALETTE[5])) > 1000, f"no language bars in {shot}"
