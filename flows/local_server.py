"""Prefect's temporary API server for one ``newsclean run``, started as early as possible.

Without a configured server (``PREFECT_API_URL``), Prefect starts a temporary one when the flow
first asks for a client: it imports its whole server package into the CLI (~1.8 s CPU) only to
launch a ``uvicorn`` subprocess, then waits ~4 s for it, all before the flow begins. Here the
CLI launches the same subprocess (same command, same environment as Prefect's
``SubprocessASGIServer``) right after importing Prefect, so the server starts while the CLI
imports the pipeline and the shard workers start; the CLI then points its own settings and its
workers at it, and stops it when the run ends. Nothing changes when a server is configured.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# What Prefect's SubprocessASGIServer sets for its temporary server (prefect 3.8).
_SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}
_PORTS = range(8000, 9000)
#: Seconds to wait for the server unless PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS says.
DEFAULT_TIMEOUT_S = 120.0
_PORT_IN_USE = 3  # uvicorn's exit status when it cannot bind
_POLL_S = 0.05


class ServerStartError(RuntimeError):
    """The temporary server exited or did not answer in time."""


@dataclass
class TemporaryServer:
    """A running temporary server; :meth:`wait` before using it, :meth:`stop` at the end."""

    process: subprocess.Popen
    port: int
    timeout_s: float
    env: dict[str, str]  # the server process's environment (a relaunch gets the same)
    # environment variables set for the server and their earlier values, restored by stop()
    replaced: dict[str, str | None] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def wait(self) -> None:
        """Block until the server answers its health check (a port taken meanwhile: another).

        As Prefect's own wait, only the pauses between checks count towards the timeout, and
        a server moved to another port gets the whole timeout again.
        """
        waited = 0.0
        while waited < self.timeout_s:
            status = self.process.poll()
            if status == _PORT_IN_USE:  # taken since it was probed: another port
                self.port = _free_port()
                self.process = _launch(self.port, self.env)
                _set_environment({"PREFECT_API_URL": self.api_url})
                waited = 0.0
                continue
            if status is not None:
                raise ServerStartError(f"the temporary Prefect server exited with status {status}")
            if _healthy(self.api_url):
                return
            time.sleep(_POLL_S)
            waited += _POLL_S
        self.stop()
        raise ServerStartError(
            f"the temporary Prefect server did not answer within {self.timeout_s:.0f} s"
        )

    def stop(self) -> None:
        """Send Prefect's pending logs and events, then stop the server (as Prefect's own
        test harness does: a log worker left with an unreachable API retries for a minute)."""
        _drain_prefect_workers()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        _set_environment(self.replaced)
        self.replaced = {}


def start_if_needed() -> TemporaryServer | None:
    """Launch a temporary server when Prefect would (no API URL configured, ephemeral mode
    allowed) and make it this process's and its children's API; None otherwise.

    Call before anything reads Prefect's settings into a flow or client (it refreshes the
    process-global settings context) and before worker processes start (they inherit the
    address through the environment).
    """
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        return None  # a configured server, or Prefect itself will refuse to run
    ephemeral = settings.server.ephemeral
    timeout = float(ephemeral.startup_timeout_seconds)
    if "startup_timeout_seconds" not in ephemeral.model_fields_set:
        # Prefect's default (20 s) is short for a first run (database migrations) on a busy
        # machine, now that the server starts beside the shard workers' warm-up.
        timeout = max(timeout, DEFAULT_TIMEOUT_S)
    # Prefect's own environment for its temporary server (``SubprocessASGIServer``): the
    # settings in force here passed on, the UI off.
    env = {
        **os.environ,
        **_SERVER_ENV,
        **settings.to_environment_variables(exclude_unset=True),
    }
    port = _free_port()
    server = TemporaryServer(_launch(port, env), port, timeout, env)
    changes: dict[str, str | None] = {"PREFECT_API_URL": server.api_url}
    if settings.ui_url is None:
        # Prefect would infer a UI address from the API's, but the temporary server serves no
        # UI (the flow would log a dead "View at" link).
        changes["PREFECT_UI_URL"] = ""
    server.replaced = _set_environment(changes)
    return server


def _set_environment(changes: dict[str, str | None]) -> dict[str, str | None]:
    """Set (None: remove) environment variables and refresh Prefect's settings; the values
    they had before."""
    from prefect.context import refresh_global_settings_context

    before = {name: os.environ.get(name) for name in changes}
    for name, value in changes.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    refresh_global_settings_context()
    return before


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=1) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _drain_prefect_workers() -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    with contextlib.suppress(RuntimeError):  # never started
        APILogWorker.instance().drain()
    EventsWorker.drain_all()


def _launch(port: int, env: dict[str, str]) -> subprocess.Popen:
    """Prefect's own command for its temporary server (``SubprocessASGIServer``)."""
    import prefect

    print(f"newsclean: starting a temporary Prefect server on 127.0.0.1:{port}", file=sys.stderr)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(Path(prefect.__file__).parent.parent),
            "--factory",
            "prefect.server.api.server:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ],
        env=env,
    )


def _free_port() -> int:
    """A port of Prefect's range nobody listens on now (uvicorn reports a lost race)."""
    for _ in range(50):
        port = random.choice(_PORTS)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise ServerStartError("no free port for a temporary Prefect server in 8000-8999")
