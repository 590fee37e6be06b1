"""No module of app/ grows past the size a reader takes in at once: split a long one by subject."""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
MAX_LINES = 350


def test_no_module_of_app_is_over_the_limit():
    too_long = {
        str(path.relative_to(APP.parent)): lines
        for path in sorted(APP.rglob("*.py"))
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not too_long, f"over {MAX_LINES} lines, split by subject: {too_long}"
