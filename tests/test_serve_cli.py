"""``newsclean serve``: schedules and the arguments checked before anything is served."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from flows.cli import main
from flows.params import CleanNewsParams
from flows.serve import absolute, make_schedule


def test_cron_and_interval_schedules():
    cron = make_schedule("0 6 * * *", None, "Europe/Paris")
    assert cron.cron == "0 6 * * *" and cron.timezone == "Europe/Paris"
    assert make_schedule(None, 90, None).interval == timedelta(seconds=90)
    assert make_schedule(None, None) is None  # served, run on demand from the UI


@pytest.mark.parametrize(
    ("cron", "interval", "timezone", "error"),
    [
        ("61 * * * *", None, None, "Invalid cron"),
        ("* * * * *", 60, None, "not both"),
        (None, -5, None, "must be positive"),
        ("* * * * *", None, "Mars/Olympus", "unknown time zone"),
    ],
)
def test_bad_schedules_are_refused(cron, interval, timezone, error):
    with pytest.raises(ValueError, match=error):
        make_schedule(cron, interval, timezone)


def test_bad_schedule_is_a_one_line_usage_error(tmp_path, seeds_copy, capsys):
    code = main(["serve", str(seeds_copy), "--out", str(tmp_path / "o"), "--cron", "every day"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Invalid cron" in err


def test_missing_input_is_refused_before_serving(tmp_path, capsys):
    code = main(["serve", str(tmp_path / "nope"), "--out", str(tmp_path / "o"), "--interval", "60"])
    assert code == 2 and "input not found" in capsys.readouterr().err


def test_served_parameters_hold_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    params = absolute(CleanNewsParams(inputs=["seeds", "/srv/news"], out="data"))
    assert params.inputs == [str(tmp_path / "seeds"), "/srv/news"]
    assert Path(params.out) == tmp_path / "data"
