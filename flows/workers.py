"""Worker processes for shard tasks that talk to the flow's own Prefect API.

A ``ProcessPoolTaskRunner`` hands its workers the flow's settings. When Prefect runs embedded
(no ``PREFECT_API_URL``: ``newsclean run`` out of the box), those settings name no server, so
every worker started a temporary API server of its own on the same database: seconds of
start-up per worker and two more processes competing for the cores during the run. Pointing
the workers at the server the flow already runs removes that and records every task run in one
place. With a configured server nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings
from prefect.task_runners import ProcessPoolTaskRunner


@contextmanager
def shard_runner(max_workers: int) -> Iterator[ProcessPoolTaskRunner]:
    """A started process pool whose workers use the flow's API server."""
    if get_current_settings().api.url:
        with ProcessPoolTaskRunner(max_workers=max_workers) as runner:
            yield runner
        return
    with get_client(sync_client=True) as client:
        url = str(client.api_url).rstrip("/")
    with (
        temporary_settings(updates={PREFECT_API_URL: url}),
        ProcessPoolTaskRunner(max_workers=max_workers) as runner,
    ):
        yield runner
