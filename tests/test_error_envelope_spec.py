"""The error envelope is in the OpenAPI document: every error response of every operation carries it."""

from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}


def _body(spec: dict, response: dict) -> dict | None:
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return (response.get("content") or {}).get("application/json", {}).get("schema")


def test_every_error_response_documents_the_envelope(client):
    spec = client.get("/openapi.json").json
    assert set(spec["components"]["schemas"]["Error"]["properties"]) == {"code", "status", "message", "errors"}
    checked, own_body = 0, []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, response in operation["responses"].items():
                if not (code == "default" or code[0] in "45"):
                    continue
                body = _body(spec, response)
                if body != ERROR:
                    own_body.append(f"{method.upper()} {path} {code}: {body}")
                checked += 1
    assert checked > 100
    # /readyz answers 503 with its own body (which checks are down), and documents that body.
    assert own_body == ["GET /readyz 503: {'$ref': '#/components/schemas/Readiness'}"]


def test_an_error_answer_matches_the_envelope(api):
    response = api.get("/api/v1/goals/1")
    assert response.status_code == 401
    assert set(response.json) <= {"code", "status", "message", "errors"}
