"""The pure pipeline in tasks/ must not depend on Prefect (it is orchestrated, not coupled)."""

import subprocess
import sys
from pathlib import Path

TASKS = Path(__file__).resolve().parent.parent / "tasks"


def test_no_task_module_imports_prefect_in_source():
    offenders = [
        str(path)
        for path in TASKS.rglob("*.py")
        if any(
            line.strip().startswith(("import prefect", "from prefect"))
            for line in path.read_text().splitlines()
        )
    ]
    assert offenders == []


def test_importing_the_pipeline_loads_no_prefect():
    code = (
        "import sys, tasks.pipeline, tasks.shard, tasks.assemble; "
        "print(any(m == 'prefect' or m.startswith('prefect.') for m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert output == "False"
