"""Shared fixtures: the seed articles, a Prefect home per test session, a pipeline runner."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED_EVAL = ROOT.parent / "shared" / "eval"

# Prefect must never touch the user's ~/.prefect from tests.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="newsclean-prefect-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """The seeds in a temporary folder (tests run from any working directory)."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def cleaner():
    from tasks.boilerplate import RuleSet
    from tasks.cleaning import Cleaner
    from tasks.language import LanguageDetector

    return Cleaner(RuleSet.load(), LanguageDetector())


@pytest.fixture(scope="session")
def prefect_harness():
    """One real (temporary, SQLite) Prefect server for every flow test in the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
