"""Run reports as Prefect artifacts, under stable keys so runs compare over time."""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from tasks.assemble import RunResult

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


def publish_artifacts(result: RunResult) -> None:
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
        "## Removed lines per category",
        "",
        *_bar_chart(result.counts["removed_by_category"]),
        "",
        "## Most frequent removed lines",
        "",
        "| count | rule | line |",
        "|---:|---|---|",
        *[
            f"| {r['count']} | `{r['rule']}` | {_cell(r['line'])} |"
            for r in result.top_removed_lines
        ],
        "",
        "## Biggest duplicate clusters",
        "",
        "| copies | kept source | title |",
        "|---:|---|---|",
        *[
            f"| {c['cluster_size']} | {_cell(c['source'])} | {_cell(c['title'] or '')} |"
            for c in result.top_clusters
        ],
    ]
    return "\n".join(lines) + "\n"


def _bar_chart(values: dict[str, int], width: int = 30) -> list[str]:
    """A text bar chart (renders in any markdown viewer, Prefect's UI included)."""
    if not values:
        return ["_nothing removed_"]
    top = max(values.values())
    rows = ["```text"]
    label = max(len(k) for k in values)
    for name, count in sorted(values.items(), key=lambda kv: (-kv[1], kv[0])):
        bar = "█" * max(1, round(width * count / top))
        rows.append(f"{name.ljust(label)} {bar} {count}")
    rows.append("```")
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:160]
