"""A real ``prefect server start`` for tests, and the REST calls the tests make against it.

The server runs in its own process group with its own PREFECT_HOME and analytics off, on a free
127.0.0.1 port; :meth:`PrefectServer.stop` ends the whole group by its id and checks that no
process of it is left. Clients (the CLI, serve, workers) run as subprocesses with
:meth:`PrefectServer.client_env`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def without_prefect_settings(env: dict[str, str]) -> dict[str, str]:
    """The environment minus any PREFECT_* setting inherited from the caller."""
    return {k: v for k, v in env.items() if not k.startswith("PREFECT_")}


def stop_group(process: subprocess.Popen, first: int = signal.SIGTERM, grace_s: float = 20) -> None:
    """Signal the process group led by ``process``, then SIGKILL whatever is left of it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, first)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)
    deadline = time.monotonic() + grace_s
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _group_alive(process.pid):
        raise RuntimeError(f"processes of group {process.pid} survived SIGKILL")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class PrefectServer:
    process: subprocess.Popen
    port: int
    home: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api"

    @classmethod
    @contextlib.contextmanager
    def running(cls, folder: Path) -> Iterator[PrefectServer]:
        home = folder / "server-home"
        home.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = without_prefect_settings(dict(os.environ))
        env.update(
            PREFECT_HOME=str(home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_UI_API_URL=f"http://127.0.0.1:{port}/api",
        )
        log = folder / "server.log"
        command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [*command, "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as a whole
            )
        server = cls(process, port, home, log)
        try:
            server._wait_healthy()
            yield server
        finally:
            stop_group(process)

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prefect server exited: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.api}/health", timeout=2).json() is True:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"prefect server not healthy after {START_TIMEOUT_S} s")

    # --- clients -------------------------------------------------------------------------

    def client_env(self, home: Path, **extra: str) -> dict[str, str]:
        """Environment of a client subprocess: this server, its own PREFECT_HOME, our code."""
        home.mkdir(parents=True, exist_ok=True)
        env = without_prefect_settings(dict(os.environ))
        env.update(
            PREFECT_API_URL=self.api,
            PREFECT_HOME=str(home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            **extra,
        )
        return env

    # --- REST ----------------------------------------------------------------------------

    def get(self, path: str) -> Any:
        response = httpx.get(f"{self.api}{path}", timeout=30)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = httpx.post(f"{self.api}{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def patch(self, path: str, body: dict[str, Any]) -> None:
        httpx.patch(f"{self.api}{path}", json=body, timeout=30).raise_for_status()

    def flow_runs(self, **flow_run_filter: Any) -> list[dict[str, Any]]:
        body = {"sort": "EXPECTED_START_TIME_ASC", "limit": 200}
        if flow_run_filter:
            body["flow_runs"] = flow_run_filter
        return self.post("/flow_runs/filter", body)

    def runs_writing(self, out: Path) -> list[dict[str, Any]]:
        """Flow runs of the cleaning flow whose ``out`` parameter is ``out``, oldest first."""
        return [
            r
            for r in self.flow_runs()
            if (r["parameters"].get("params") or {}).get("out") == str(out)
        ]

    def task_runs(self, flow_run_id: str) -> list[dict[str, Any]]:
        body = {"task_runs": {"flow_run_id": {"any_": [flow_run_id]}}, "limit": 200}
        return self.post("/task_runs/filter", body)

    def artifacts(self, flow_run_id: str) -> dict[str, dict[str, Any]]:
        body = {"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}, "limit": 50}
        return {a["key"]: a for a in self.post("/artifacts/filter", body)}

    def logs(self, flow_run_id: str) -> list[str]:
        body = {"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "sort": "TIMESTAMP_ASC"}
        return [entry["message"] for entry in self.post("/logs/filter", body | {"limit": 200})]

    def wait_for(self, check, timeout_s: float, what: str, every_s: float = 1.0) -> Any:
        """Poll ``check()`` until it returns something truthy; fail after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(every_s)
        raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
