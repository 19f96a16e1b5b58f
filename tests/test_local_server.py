"""``newsclean run`` starts Prefect's temporary server itself, early: a real server, reachable,
used by the flow and its workers, stopped at the end with the environment put back.

The server tests run in subprocesses: starting one changes the process's Prefect settings,
which the session's test harness must not see.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    environment.update(PREFECT_HOME=str(tmp_path / "prefect-home"), **env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_a_temporary_server_is_started_used_and_stopped(tmp_path):
    done = run_python(
        """
        import json, os, urllib.request
        from prefect.settings import get_current_settings
        from flows import local_server

        server = local_server.start_if_needed()
        server.wait()
        with urllib.request.urlopen(server.api_url + "/health") as response:
            health = response.status
        during = {
            "settings": get_current_settings().api.url,
            "env": os.environ.get("PREFECT_API_URL"),
            "ui": get_current_settings().ui_url,
        }
        server.stop()
        print(json.dumps({
            "health": health, "url": server.api_url, "port": server.port, "during": during,
            "exit": server.process.returncode, "after": get_current_settings().api.url,
            "env_after": os.environ.get("PREFECT_API_URL"),
        }))
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["health"] == 200
    assert seen["url"].startswith("http://127.0.0.1:")
    assert seen["during"] == {"settings": seen["url"], "env": seen["url"], "ui": ""}
    assert seen["exit"] is not None
    assert seen["after"] is None and seen["env_after"] is None
    assert not listening(seen["port"])


def test_nothing_is_started_when_a_server_is_configured(tmp_path):
    done = run_python(
        """
        from flows import local_server
        print(local_server.start_if_needed())
        """,
        tmp_path,
        PREFECT_API_URL="http://127.0.0.1:9/api",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"


@pytest.mark.slow
def test_a_port_taken_meanwhile_moves_the_server_to_another(tmp_path):
    done = run_python(
        """
        import json, os, socket
        from flows import local_server

        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        ports = iter([busy])
        free = local_server._free_port
        local_server._free_port = lambda: next(ports, None) or free()
        server = local_server.start_if_needed()
        server.wait()
        print(json.dumps({"busy": busy, "port": server.port,
                          "env": os.environ["PREFECT_API_URL"]}))
        server.stop()
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["port"] != seen["busy"]
    assert seen["env"] == f"http://127.0.0.1:{seen['port']}/api"


@pytest.mark.slow
def test_the_cli_run_leaves_no_server_and_no_dead_links(tmp_path, seeds_copy):
    environment = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    environment.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_LOGGING_LEVEL="INFO")
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", str(seeds_copy), "--out", str(tmp_path / "o")],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    port = int(re.search(r"temporary Prefect server on 127\.0\.0\.1:(\d+)", done.stderr)[1])
    assert "Beginning flow run" in done.stderr
    assert "View at" not in done.stderr
    assert "Error logging to API" not in done.stderr
    assert not listening(port)
