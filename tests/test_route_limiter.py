"""app.extensions.RouteLimiter: the limits live on their routes; the pass before every request is skipped only
while no request-wide limit is configured."""

from __future__ import annotations

from app.extensions import limiter


def _resolutions(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = limiter.limit_manager.resolve_limits

    def counting(app, endpoint=None, *args, **kwargs):
        calls.append(endpoint)
        return real(app, endpoint, *args, **kwargs)

    monkeypatch.setattr(limiter.limit_manager, "resolve_limits", counting)
    return calls


def test_requests_without_limits_skip_the_limiter(api, user, monkeypatch):
    calls = _resolutions(monkeypatch)
    assert api.get("/api/v1/auth/me", user).status_code == 200
    assert api.get("/healthz").status_code == 200
    assert calls == []


def test_a_request_wide_limit_brings_the_pass_back(api, user, monkeypatch):
    assert not limiter._has_request_wide_limits()
    monkeypatch.setattr(limiter, "_in_memory_fallback", [["1/second"]])  # one kind of request-wide limit
    assert limiter._has_request_wide_limits()
    monkeypatch.setattr(type(limiter), "_has_request_wide_limits", lambda self: True)
    calls = _resolutions(monkeypatch)
    assert api.get("/api/v1/auth/me", user).status_code == 200
    assert calls == ["auth.MeView"] or calls and calls[0].startswith("auth.")
