"""``newsclean serve``: one long-running process that runs the flow on a schedule.

``flow.serve`` registers a deployment with the Prefect server (``PREFECT_API_URL``) and polls it
for due runs, which it executes in subprocesses. The deployment's entrypoint is the module path
``flows.clean_news:clean_news``, so runs work from any working directory as long as newsclean
is importable. At most one run at a time (``limit=1``): runs of one deployment write the same
output folder. Stopping the process with Ctrl-C pauses the deployment (Prefect's
``pause_on_shutdown``), so no runs pile up while nothing can execute them; starting it again
resumes the schedule.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron, Interval, Schedule

from flows.params import CleanNewsParams

DEFAULT_NAME = "scheduled"


def make_schedule(
    cron: str | None, interval_s: float | None, timezone: str | None = None
) -> Schedule | None:
    """A cron or an interval schedule (ValueError when both, or when either is invalid)."""
    if cron and interval_s:
        raise ValueError("give --cron or --interval, not both")
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone: {timezone}") from None
    if cron:
        return Cron(cron, timezone=timezone or "UTC")
    if interval_s:
        if interval_s <= 0:
            raise ValueError(f"--interval must be positive, got {interval_s}")
        return Interval(timedelta(seconds=interval_s), timezone=timezone or "UTC")
    return None


def absolute(params: CleanNewsParams) -> CleanNewsParams:
    """Paths resolved now: scheduled runs must not depend on a later working directory."""
    return params.model_copy(
        update={
            "inputs": [str(Path(p).resolve()) for p in params.inputs],
            "out": str(Path(params.out).resolve()),
        }
    )


def serve(params: CleanNewsParams, schedule: Schedule | None, name: str = DEFAULT_NAME) -> None:
    """Serve the cleaning flow until interrupted (Ctrl-C or SIGTERM)."""
    from flows.clean_news import clean_news

    params = absolute(params)
    clean_news.serve(
        name=name,
        schedules=[schedule] if schedule else None,
        parameters={"params": params.model_dump(mode="json")},
        description=f"Clean {', '.join(params.inputs)} into {params.out}.",
        tags=["newsclean"],
        limit=1,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
