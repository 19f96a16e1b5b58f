"""A shard worker keeps one Prefect client for all its task runs (flows/worker_client.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.prefect_server import ROOT, PrefectServer, without_prefect_settings

# Runs in a fresh process, like a worker: Prefect is imported before the API address is known,
# then the initializer gets it.
_WORKER = textwrap.dedent(
    """
    import os, ssl, sys
    import prefect
    from prefect.client.orchestration import get_client
    from prefect.context import hydrated_context, serialize_context
    from flows.runners import use_api

    url = sys.argv[1]
    use_api(url)
    made = []
    original = ssl.create_default_context
    ssl.create_default_context = lambda *a, **k: made.append(1) or original(*a, **k)
    first = get_client(sync_client=True)
    with hydrated_context(serialize_context()):  # what each task run of the pool does
        inside = get_client(sync_client=True)
    assert inside is first, "a task run built a client of its own"
    assert str(first.api_url).rstrip("/") == url, first.api_url
    assert first.hello().status_code == 200
    assert not made, f"{len(made)} SSL contexts built after start-up"
    print("ok")
    """
)


@pytest.mark.slow
def test_a_worker_reuses_one_client_for_the_api_it_was_given(tmp_path):
    with PrefectServer.running(tmp_path) as server:
        env = server.client_env(tmp_path / "worker-home")
        del env["PREFECT_API_URL"]  # the worker learns it in its initializer
        done = subprocess.run(
            [sys.executable, "-c", _WORKER, server.api],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("ok")


def test_without_an_api_address_no_client_is_kept(tmp_path):
    """No address: keeping a client would start a server of its own, so none is kept."""
    script = textwrap.dedent(
        """
        from prefect.context import SyncClientContext
        from flows.worker_client import keep_client
        assert keep_client() is False
        assert SyncClientContext.get() is None
        print("ok")
        """
    )
    env = without_prefect_settings(dict(os.environ))
    env.update(
        PREFECT_HOME=str(tmp_path / "home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Starting temporary server" not in done.stderr
