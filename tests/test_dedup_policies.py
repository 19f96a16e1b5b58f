"""The canonical-copy policy the user picks decides which copy is kept, through the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from pydantic import ValidationError

from flows.cli import build_parser, params_from_args
from flows.params import CleanNewsParams
from tasks.pipeline import run_pipeline

SYNDICATED = Path(__file__).resolve().parent / "fixtures" / "syndicated"
BODY = (SYNDICATED / "wire_original.txt").read_text(encoding="utf-8")
PARAGRAPHS = BODY.split("\n\n")
# Three copies of one wire story in one JSONL dump (so `source` says nothing about the site):
COPIES = [
    {  # the wire's own copy: neither the longest nor the earliest
        "url": "https://apnews.example/article/oregon-wildfire",
        "site": "apnews.example",
        "date": "2024-08-13T09:00:00Z",
        "text": BODY,
    },
    {  # a paper that added a paragraph: the longest
        "url": "https://dailycourier.example/news/wildfire",
        "site": "dailycourier.example",
        "date": "2024-08-13T10:30:00Z",
        "text": BODY + "\n\nThe Daily Courier will update this story as evacuations change.",
    },
    {  # an aggregator that trimmed the last paragraph but published first (02:00 UTC)
        "url": "https://newsnow.example/a/123",
        "site": "newsnow.example",
        "date": "2024-08-13T04:00:00+02:00",
        "text": "\n\n".join(PARAGRAPHS[:-1]),
    },
]


def run(tmp_path: Path, params: CleanNewsParams) -> tuple[str, list[dict]]:
    dump = tmp_path / "dump.jsonl"
    dump.write_text("".join(json.dumps(c) + "\n" for c in COPIES), encoding="utf-8")
    out = tmp_path / "out"
    run_pipeline([str(dump)], out, params.pipeline_config())
    [kept] = ds.dataset(out / "articles", partitioning="hive").to_table().to_pylist()
    dups = ds.dataset(out / "duplicates").to_table().to_pylist()
    assert len(dups) == 2 and {d["duplicate_of"] for d in dups} == {kept["doc_id"]}
    assert kept["cluster_size"] == 3
    return kept["url"], dups


def test_longest_is_the_default(tmp_path):
    url, _ = run(tmp_path, CleanNewsParams())
    assert url == COPIES[1]["url"]


def test_earliest_keeps_the_first_published(tmp_path):
    url, _ = run(tmp_path, CleanNewsParams(keep="earliest"))
    assert url == COPIES[2]["url"]


def test_source_priority_matches_site_or_url(tmp_path):
    params = CleanNewsParams(source_priority=["reuters.example", "APNEWS"])
    assert params.pipeline_config().dedup.policy == "source_priority"
    url, dups = run(tmp_path, params)
    assert url == COPIES[0]["url"]
    assert all(d["duplicate_of_source"].endswith("dump.jsonl#1") for d in dups)


def test_cli_flags_reach_the_dedup_config():
    parser = build_parser()
    cfg = params_from_args(parser.parse_args(["run", "--source-priority", "apnews"]))
    assert cfg.pipeline_config().dedup.source_priority == ("apnews",)
    assert cfg.pipeline_config().dedup.policy == "source_priority"
    earliest = params_from_args(parser.parse_args(["run", "--keep", "earliest"]))
    assert earliest.pipeline_config().dedup.policy == "earliest"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keep": "source_priority"}, "needs a non-empty source_priority"),
        ({"keep": "earliest", "source_priority": ["apnews"]}, "exclude each other"),
        ({"keep": "newest"}, "keep"),
    ],
)
def test_inconsistent_policy_parameters_are_rejected(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        CleanNewsParams(**kwargs)
