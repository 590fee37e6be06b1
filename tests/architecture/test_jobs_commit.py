"""Jobs flush and leave the commit to run_job (app/common/queue.py); a deliberate commit inside a job says why."""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def test_a_job_commits_only_with_a_reason():
    unexplained = [
        f"{path.relative_to(APP.parent)}:{number}"
        for path in sorted(APP.glob("*/jobs.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "session.commit()" in line and "#" not in line
    ]
    assert not unexplained, f"commit inside a job without a comment saying why: {unexplained}"
