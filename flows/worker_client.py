"""One Prefect API client per shard worker process, instead of two per shard task.

Prefect builds a new ``SyncPrefectClient`` whenever no client context is active: a worker of
``ProcessPoolTaskRunner`` made two per task run (one to rebuild the flow's context, one for
the task engine), and each loads the CA bundle into a new ``ssl.SSLContext`` (~20 ms of CPU
each here, whatever the API's scheme). At 1,000 files per shard that was ~40 µs of CPU per
article. A worker now enters one client context when it starts and keeps it; Prefect's
``get_client`` returns the active context's client, so every task run of the process uses it
(and its pooled connection to the API). Nothing a task computes depends on it.
"""

from __future__ import annotations

from typing import Any

_KEPT: list[Any] = []  # the process's client context; never exited (it ends with the process)


def keep_client() -> bool:
    """Enter a client context for the rest of this process; whether one is active now.

    Call it in a worker initializer after ``PREFECT_API_URL`` is set in the environment: the
    client is built from settings read now (the process imported Prefect before the address
    was known, so its root settings have none).
    """
    from prefect.context import SettingsContext, SyncClientContext
    from prefect.settings import Settings

    if _KEPT or SyncClientContext.get() is not None:
        return True
    current = SettingsContext.get()
    if current is None:
        return False
    settings = Settings()
    if not settings.api.url:
        return False  # get_client would start a server of its own: leave it to the tasks
    with SettingsContext(profile=current.profile, settings=settings):
        context = SyncClientContext()
        context.__enter__()
    _KEPT.append(context)
    return True
