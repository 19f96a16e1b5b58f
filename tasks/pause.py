"""Named points where a test can freeze a real run, to kill it there with SIGKILL.

Crash safety is only proven by crashing real runs at the dangerous moments; timing guesses
("kill after 2 seconds") hit a different moment on every machine. Each stage below calls
:func:`pause_point` with its name. When the environment says so, the process announces that it
reached the stage and then blocks until it is killed; otherwise the call costs one dictionary
lookup. Nothing else changes, so the code under test is the code users run.

``NEWSCLEAN_TEST_PAUSE_AT=<stage>`` or ``<stage>#<n>``
    block the n-th time (default: first) this process reaches ``<stage>``.
``NEWSCLEAN_TEST_PAUSE_FILE=<path>``
    written (``"<stage> <pid>"``) just before blocking, so the test knows when to kill.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from typing import Final

ENV_AT: Final = "NEWSCLEAN_TEST_PAUSE_AT"
ENV_FILE: Final = "NEWSCLEAN_TEST_PAUSE_FILE"

#: Every stage, in the order a run reaches them.
STAGES: Final = (
    "shard-staged",  # a shard's tables are written to its temporary folder, not renamed yet
    "shard-written",  # a shard's folder is complete and in place (the shard cache)
    "version-writing",  # the next version's staging folder is half written (files still open)
    "publish-staged",  # the staging folder is complete; nothing renamed yet
    "publish-renamed",  # staging renamed to versions/NNNNNN; `current` not switched yet
    "published",  # `current` switched; user links and old versions not tidied yet
)

_reached: Counter[str] = Counter()


def pause_point(stage: str) -> None:
    """Block forever here when ``NEWSCLEAN_TEST_PAUSE_AT`` names this stage (tests only)."""
    wanted = os.environ.get(ENV_AT)
    if not wanted:
        return
    name, _, nth = wanted.partition("#")
    if name != stage:
        return
    _reached[stage] += 1
    if _reached[stage] != (int(nth) if nth else 1):
        return
    marker = os.environ.get(ENV_FILE)
    if marker:
        partial = Path(f"{marker}.partial")
        partial.write_text(f"{stage} {os.getpid()}\n")
        os.replace(partial, marker)
    while True:
        time.sleep(0.5)
