"""Input limits read from the spec itself: every string a client can send is bounded, every page is capped,
oversized and deeply nested bodies are refused in the error envelope."""

from __future__ import annotations

import pytest

# Formats whose grammar bounds the length already.
BOUNDED_FORMATS = {"date", "date-time", "time", "uuid"}
PAGE_SIZE_CAP = 100


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].split("/")[-1]
        section = node["$ref"].split("/")[-2]
        node = spec["components"][section][name]
    return node


def _unbounded_strings(spec: dict, schema: dict, where: str, seen: set[str]) -> list[str]:
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return []
        seen = seen | {schema["$ref"]}
    schema = _resolve(spec, schema)
    found: list[str] = []
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if (
        "string" in types
        and "maxLength" not in schema
        and "enum" not in schema
        and schema.get("format") not in BOUNDED_FORMATS
    ):
        found.append(where)
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("readOnly"):
            continue
        found += _unbounded_strings(spec, prop, f"{where}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        found += _unbounded_strings(spec, schema["items"], f"{where}[]", seen)
        if "maxItems" not in schema:
            found.append(f"{where} (array without maxItems)")
    if isinstance(schema.get("additionalProperties"), dict):
        found += _unbounded_strings(spec, schema["additionalProperties"], f"{where}{{}}", seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(key) or []):
            found += _unbounded_strings(spec, sub, f"{where}<{key}{i}>", seen)
    return found


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, op, item.get("parameters", [])


def test_every_input_string_in_the_spec_has_a_max_length(client):
    spec = client.get("/openapi.json").get_json()
    problems: list[str] = []
    checked = 0
    for path, method, op, shared in _operations(spec):
        label = f"{method.upper()} {path}"
        for param in [*shared, *op.get("parameters", [])]:
            param = _resolve(spec, param)
            if param["in"] in {"query", "path", "header"} and "schema" in param:
                checked += 1
                problems += _unbounded_strings(spec, param["schema"], f"{label} {param['in']}:{param['name']}", set())
        for media in (op.get("requestBody") or {}).get("content", {}).values():
            checked += 1
            problems += _unbounded_strings(spec, media.get("schema", {}), f"{label} body", set())
    assert checked > 50
    assert not problems, "unbounded input strings:\n" + "\n".join(problems)


def test_every_list_caps_page_size_at_100(client):
    spec = client.get("/openapi.json").get_json()
    paged = 0
    for path, method, op, shared in _operations(spec):
        for param in [*shared, *op.get("parameters", [])]:
            param = _resolve(spec, param)
            if param["name"] == "page_size":
                paged += 1
                assert param["schema"].get("maximum", 10**9) <= PAGE_SIZE_CAP, f"{method} {path}"
    assert paged >= 8


@pytest.mark.parametrize("page_size", [101, 1000])
def test_page_size_over_the_cap_is_refused(api, user, page_size):
    response = api.get(f"/api/v1/boards?page_size={page_size}", user)
    assert response.status_code == 422
    assert "page_size" in response.json["errors"]["query"]


def test_body_over_the_size_limit_is_413_in_the_envelope(app, api, user):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = api.post(
        "/api/v1/boards", user, data=b'{"title": "' + b"x" * limit + b'"}', content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json["code"] == 413 and response.json["status"]


def test_deeply_nested_json_is_400_in_the_envelope(api, user):
    response = api.post("/api/v1/boards", user, data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json["code"] == 400
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("title", ["x" * 201, "\x1c" + "x" * 200, "a\x00b"])
def test_overlong_or_nul_strings_are_422_with_the_field(api, user, title):
    response = api.post("/api/v1/teams", user, json={"name": title[:151] if len(title) > 150 else title})
    assert response.status_code == 422, response.json
    assert "name" in response.json["errors"]["json"]


def test_nul_in_the_query_string_is_422_not_500(api, user):
    response = api.get("/api/v1/goals?search=a%00b", user)
    assert response.status_code == 422
    assert "search" in response.json["errors"]["query"]


@pytest.mark.parametrize("path", ["/assets/v%00/app.js", "/assets/v/a%00.js"])
def test_nul_in_the_path_is_422_not_500(api, path):
    response = api.client.get(path)
    assert response.status_code == 422
    assert response.json["errors"]["path"]


def test_a_page_far_past_the_end_is_empty_not_500(api, user):
    response = api.get(f"/api/v1/boards?page={10**22}", user)
    assert response.status_code == 200 and response.json == []


CONTROLS = ["\x07", "\x1b[31m", "\x08", "\x7f", "\x0b", "\x0c", "\x1f"]


@pytest.mark.parametrize("bad", CONTROLS)
def test_control_characters_in_free_text_are_422_on_the_field(api, user, bad):
    """Escape sequences and other invisible controls in titles, names, descriptions, comments and profiles."""
    board = api.get("/api/v1/boards", user).json[0]["id"]
    category = api.post("/api/v1/categories", user, json={"title": "Work", "board_id": board}).json["id"]
    goal = api.post("/api/v1/goals", user, json={"title": "Ship", "category_id": category}).json["id"]
    team = api.post("/api/v1/teams", user, json={"name": "Crew"}).json["id"]
    cases = [
        ("POST", "/api/v1/goals", {"title": f"a{bad}b", "category_id": category}, "title"),
        ("PATCH", f"/api/v1/goals/{goal}", {"description": f"a{bad}b"}, "description"),
        ("POST", f"/api/v1/goals/{goal}/comments", {"text": f"a{bad}b"}, "text"),
        ("POST", "/api/v1/categories", {"title": f"a{bad}", "board_id": board}, "title"),
        ("POST", "/api/v1/teams", {"name": f"a{bad}b"}, "name"),
        ("PATCH", f"/api/v1/teams/{team}", {"description": f"a{bad}b"}, "description"),
        ("PATCH", "/api/v1/auth/me", {"first_name": f"a{bad}b"}, "first_name"),
        ("POST", "/api/v1/habits", {"action": f"run{bad}", "place": "park", "time": "07:00"}, "action"),
    ]
    for method, path, body, field in cases:
        response = api._call(method, path, user, json=body)
        assert response.status_code == 422, (path, response.json)
        assert field in response.json["errors"]["json"], (path, response.json)


def test_tab_and_line_breaks_stay_allowed(api, user):
    response = api.post("/api/v1/teams", user, json={"name": "Crew", "description": "one\ttwo\r\nthree\nfour"})
    assert response.status_code == 201 and response.json["description"] == "one\ttwo\r\nthree\nfour"
