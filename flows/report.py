"""Run reports as Prefect artifacts, under stable keys so runs compare over time."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.policies import IO_RETRIES, retry_on_io_error
from tasks.assemble import RunResult
from tasks.charts import PALETTE, bar_chart_markdown

COUNTS_KEY = "clean-news-counts"
REPORT_KEY = "clean-news-report"


def counts_rows(result: RunResult) -> list[dict[str, object]]:
    """One row per figure: inputs and outcomes, removed lines per category, languages."""
    rows: list[dict[str, object]] = [
        {"group": "run", "name": name, "value": result.summary[name]}
        for name in (
            "inputs",
            "articles",
            "duplicates",
            "rejects",
            "already_published",
            "removed_lines",
            "skipped_records",
            "duplicates_of_earlier",
            "articles_in_stories",
        )
        if name in result.summary
    ]
    rows += [
        {"group": "removed_by_category", "name": k, "value": v}
        for k, v in result.counts["removed_by_category"].items()
    ]
    rows += [
        {"group": "reject_reason", "name": k, "value": v}
        for k, v in result.counts["reject_reasons"].items()
    ]
    rows += [
        {"group": "language", "name": k, "value": v} for k, v in result.counts["languages"].items()
    ]
    return rows


@task(
    name="publish-report",
    cache_policy=NO_CACHE,
    retry_condition_fn=retry_on_io_error,
    **IO_RETRIES,
)
def publish_artifacts(result: RunResult) -> None:
    """The counts table and the markdown report, under keys that never change between runs."""
    create_table_artifact(
        key=COUNTS_KEY,
        table=counts_rows(result),
        description=f"newsclean counts, dataset version {result.version} in {result.out}",
    )
    create_markdown_artifact(
        key=REPORT_KEY, markdown=markdown_report(result), description="newsclean run report"
    )


def markdown_report(result: RunResult) -> str:
    s = result.summary
    lines = [
        f"# newsclean run: version {result.version}",
        "",
        f"**{s['inputs']}** inputs → **{s['articles']}** articles, **{s['duplicates']}** "
        f"duplicates, **{s['rejects']}** rejects, {s['already_published']} already published. "
        f"**{s['removed_lines']}** boilerplate lines removed.",
        "",
        "## What happened to the inputs",
        "",
        bar_chart_markdown(
            "Inputs by outcome",
            [(name, s[name]) for name in _OUTCOMES],
            _OUTCOME_COLORS,
        ),
        "",
        "## Removed lines per category",
        "",
        bar_chart_markdown(
            f"Removed lines per category (all {s['inputs']} inputs)",
            _ranked(result.counts["removed_by_category"]),
        ),
        "",
        "## Languages",
        "",
        bar_chart_markdown(
            f"Clean articles per language (all {s['inputs']} inputs, before deduplication)",
            _ranked(result.counts["languages"]),
            PALETTE[5:6],
        ),
        "",
        *_reject_chart(result.counts["reject_reasons"]),
        "## Most frequent removed lines",
        "",
        "| count | rule | line |",
        "|---:|---|---|",
        *[
            f"| {r['count']} | `{r['rule']}` | {_cell(r['line'])} |"
            for r in result.top_removed_lines
        ],
        *([] if result.top_removed_lines else ["| 0 | | _no line removed_ |"]),
        "",
        "## Biggest duplicate clusters",
        "",
        "| copies | kept source | title |",
        "|---:|---|---|",
        *[
            f"| {c['cluster_size']} | {_cell(c['source'])} | {_cell(c['title'] or '')} |"
            for c in result.top_clusters
        ],
        *([] if result.top_clusters else ["| 1 | _no duplicates in this run_ | |"]),
    ]
    return "\n".join(lines) + "\n"


_OUTCOMES = ("articles", "duplicates", "rejects", "already_published")
_OUTCOME_COLORS = ("#059669", "#d97706", "#dc2626", "#6b7280")


def _ranked(values: dict[str, int]) -> list[tuple[str, int]]:
    """Largest first, ties by name, so the chart is the same for the same counts."""
    return sorted(((k or "und", v) for k, v in values.items()), key=lambda kv: (-kv[1], kv[0]))


def _reject_chart(reasons: dict[str, int]) -> list[str]:
    if not reasons:
        return []
    chart = bar_chart_markdown("Rejects by reason", _ranked(reasons), PALETTE[3:4])
    return ["## Reject reasons", "", chart, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:160]
