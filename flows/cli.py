"""``newsclean``: a thin command line over the Prefect flow (same names as the parameters)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from tasks.store import OutputError, OutputStore

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsclean",
        description="Clean, deduplicate and publish scraped news as Parquet datasets.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run the cleaning flow once",
        description="Run the cleaning flow once on INPUT files/folders.",
    )
    add_run_arguments(run)
    run.add_argument("--json", action="store_true", help="print the run summary as JSON")
    serve = commands.add_parser(
        "serve",
        help="run the cleaning flow on a schedule (long-running)",
        description="Serve the cleaning flow from this process with a schedule; watch the "
        "runs in the Prefect UI of the server PREFECT_API_URL points at.",
    )
    add_run_arguments(serve)
    add_serve_arguments(serve)
    return parser


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cron", metavar="EXPR", help='cron schedule, e.g. "0 * * * *" for hourly runs'
    )
    parser.add_argument(
        "--interval", type=float, metavar="SECONDS", help="or: a run every SECONDS seconds"
    )
    parser.add_argument(
        "--timezone", metavar="TZ", help="time zone of the schedule, e.g. Europe/Paris (UTC)"
    )
    parser.add_argument(
        "--name",
        default="scheduled",
        help="deployment name shown in the UI (default: scheduled)",
    )


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        default=["seeds"],
        help="files or folders, read recursively (default: seeds/)",
    )
    parser.add_argument(
        "--out",
        default="data",
        metavar="DIR",
        help="output folder for the datasets (default: data/)",
    )
    parser.add_argument(
        "--min-words",
        type=int,
        default=5,
        help="reject articles shorter than this after cleaning (default: 5)",
    )
    parser.add_argument(
        "--max-input-mb",
        type=float,
        default=20.0,
        help="largest file or record read, in MiB (default: 20)",
    )
    for field in ("text", "html", "url", "title", "date"):
        parser.add_argument(
            f"--{field}-field",
            metavar="NAME",
            help=f"record column holding the {field} (default: common names)",
        )
    parser.add_argument(
        "--jaccard-threshold",
        type=float,
        default=0.8,
        help="near-duplicate at this shingle Jaccard (default: 0.8)",
    )
    parser.add_argument(
        "--containment-threshold",
        type=float,
        default=0.9,
        help="...or when one contains this share of the other (default: 0.9)",
    )
    parser.add_argument(
        "--keep",
        choices=["longest", "earliest", "source_priority"],
        default="longest",
        help="which copy of a duplicate cluster to keep (default: longest; "
        "--source-priority implies source_priority)",
    )
    parser.add_argument(
        "--source-priority",
        action="append",
        default=[],
        metavar="PREFIX",
        help="keep copies whose source, url or site contains this (repeatable, best first)",
    )
    parser.add_argument(
        "--shard-files", type=int, default=4000, help="files per shard task (default: 4000)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: every core)"
    )
    parser.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="run shard tasks on this Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: "
        "local worker processes)",
    )
    parser.add_argument(
        "--shard-timeout",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="fail a shard task still running after this long (default: 3600)",
    )


def params_from_args(args: argparse.Namespace):
    from flows.params import CleanNewsParams

    values = {
        "inputs": args.inputs or ["seeds"],
        "out": args.out,
        "min_words": args.min_words,
        "max_input_mb": args.max_input_mb,
        "jaccard_threshold": args.jaccard_threshold,
        "containment_threshold": args.containment_threshold,
        "keep": args.keep,
        "source_priority": args.source_priority,
        "shard_files": args.shard_files,
        "dask_address": args.dask_address,
        "shard_timeout_s": args.shard_timeout,
    }
    for field in ("text", "html", "url", "title", "date"):
        values[f"{field}_field"] = getattr(args, f"{field}_field")
    if args.workers is not None:
        values["workers"] = args.workers
    return CleanNewsParams(**values)


def check_arguments(inputs: Sequence[str], out: str) -> None:
    """Fail before starting Prefect when the arguments cannot work."""
    for given in inputs:
        if not Path(given).exists():
            raise UsageError(f"input not found: {given}")
    OutputStore(out).prepare()


class UsageError(ValueError):
    pass


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        params = params_from_args(args)
        check_arguments(params.inputs, params.out)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _fail(f"invalid {where}: {first['msg']}", EXIT_USAGE)
    except (UsageError, OutputError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    if args.command == "serve":
        return serve_command(args, params)

    from flows import local_server

    # Prefect's temporary server (when none is configured) starts first, the rest meanwhile.
    server = local_server.start_if_needed()
    try:
        from flows import prestart
        from flows.clean_news import clean_news

        prestart.start_ahead(params)  # shard workers start while the server starts
        try:
            if server is not None:
                server.wait()
            summary = clean_news(params)
        except local_server.ServerStartError as exc:
            return _fail(str(exc), EXIT_FAILED)
        except Exception as exc:  # the flow already logged the traceback
            return _fail(f"run failed: {type(exc).__name__}: {exc}", EXIT_FAILED)
        finally:
            prestart.discard()
    finally:
        if server is not None:
            server.stop()
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        print(
            f"newsclean: {summary['inputs']} inputs -> {summary['articles']} articles, "
            f"{summary['duplicates']} duplicates, {summary['rejects']} rejects "
            f"({summary['already_published']} already published) in {summary['out']}"
        )
    return EXIT_OK


def serve_command(args: argparse.Namespace, params) -> int:
    from flows.serve import make_schedule, serve

    try:
        schedule = make_schedule(args.cron, args.interval, args.timezone)
    except ValueError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if not os.environ.get("PREFECT_API_URL"):
        print(
            "newsclean: PREFECT_API_URL is not set: runs go to a temporary server you cannot "
            "watch; start `prefect server start` and export PREFECT_API_URL first",
            file=sys.stderr,
        )
    serve(params, schedule, name=args.name)
    return EXIT_OK


def _fail(message: str, code: int) -> int:
    print(f"newsclean: error: {message.splitlines()[0] if message else 'unknown'}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
