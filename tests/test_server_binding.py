"""The Prefect servers the project starts listen on 127.0.0.1 only.

Two kinds: the temporary server ``newsclean run`` starts when no ``PREFECT_API_URL`` is set
(its real listening sockets are checked in
``tests/test_crash_safety.py::test_killed_cli_run_with_worker_processes``), and any
``prefect server start`` the README or a script in the repository tells users to run.
"""

from __future__ import annotations

import re
from pathlib import Path

from prefect.settings.models.server.api import ServerAPISettings

ROOT = Path(__file__).resolve().parent.parent
_SCRIPT_SUFFIXES = {".md", ".sh", ".yaml", ".yml", ".toml", ".py", ".cfg", ".ini", ""}
# A command line (in a README code block or a script), not prose mentioning the command.
_START = re.compile(r"^\s*(?:\$\s*)?prefect\s+server\s+start\b.*$", re.MULTILINE)
# Anything that would widen where a server listens.
_WIDE = re.compile(
    r"0\.0\.0\.0|--host[\s=]+[\"']?(?!127\.0\.0\.1|localhost)[\w:.]+"
    r"|PREFECT_SERVER_API_HOST\s*=\s*[\"']?(?!127\.0\.0\.1|localhost)"
)


def documents() -> list[Path]:
    """README and every script-like file of the project (not tests, not virtualenvs)."""
    skip = {".git", ".venv", "tests", "__pycache__", "data"}
    found = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and not parts & skip and path.suffix in _SCRIPT_SUFFIXES:
            found.append(path)
    return found


def test_every_documented_server_start_names_loopback_explicitly():
    """Explicit, so a PREFECT_SERVER_API_HOST in the user's profile cannot widen it."""
    commands = [
        (path.relative_to(ROOT), match.group(0))
        for path in documents()
        for match in _START.finditer(path.read_text(errors="replace"))
    ]
    unbound = [(str(p), c) for p, c in commands if "--host 127.0.0.1" not in c]
    assert unbound == []


def test_nothing_tells_a_server_to_listen_on_other_interfaces():
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in documents()
        for match in _WIDE.finditer(path.read_text(errors="replace"))
    ]
    assert offenders == []


def test_prefect_default_host_is_loopback():
    assert ServerAPISettings.model_fields["host"].default == "127.0.0.1"
