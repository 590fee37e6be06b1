"""The cookie session (app.common.hooks.CookieOnDemandSessionInterface): no signer without a cookie, Flask's
own behaviour with one."""

from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface


def test_no_cookie_builds_no_signer_and_a_cookie_still_reads(app, monkeypatch):
    built = []
    real = SecureCookieSessionInterface.get_signing_serializer
    monkeypatch.setattr(
        SecureCookieSessionInterface, "get_signing_serializer", lambda self, a: built.append(1) or real(self, a)
    )
    interface = app.session_interface
    with app.test_request_context("/api/v1/goals", headers={"Authorization": "Bearer x"}):
        opened = interface.open_session(app, request)
        assert opened is not None and dict(opened) == {} and not opened.modified and built == []
    name = app.config["SESSION_COOKIE_NAME"]
    signed = real(interface, app).dumps({"state": "abc"})
    with app.test_request_context("/", headers={"Cookie": f"{name}={signed}"}):
        assert dict(interface.open_session(app, request)) == {"state": "abc"}
    with app.test_request_context("/", headers={"Cookie": f"{name}=forged.value.sig"}):
        assert dict(interface.open_session(app, request)) == {}
    assert built
