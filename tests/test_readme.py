"""The README's first screen is what a new user runs; CI must run the same test command."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _first_screen_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    first_screen = readme.split("\n---\n", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", first_screen, flags=re.S)


def test_first_screen_has_exactly_two_commands():
    commands = _first_screen_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert commands[0].endswith("newsclean run")


def test_ci_runs_the_readme_test_command():
    test_command = _first_screen_commands()[1]
    assert test_command in (ROOT / ".ci" / "run").read_text()
