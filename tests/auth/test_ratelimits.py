"""Rate limits on login and signup (TestConfig: 5 failed logins per 15 minutes)."""


def test_failed_logins_per_username_are_limited(api):
    api.signup("alice")
    for _ in range(5):
        assert api.login("alice", "wrong-password").status_code == 401
    resp = api.login("alice")  # even the right password waits now
    assert resp.status_code == 429
    assert resp.json["code"] == 429 and resp.json["status"] == "Too Many Requests"
    assert int(resp.headers["Retry-After"]) > 0


def test_successful_logins_do_not_count(api):
    api.signup("alice")
    for _ in range(8):
        assert api.login("alice").status_code == 200


def test_failed_logins_per_ip_are_limited_across_usernames(api):
    for i in range(5):
        assert api.login(f"ghost{i}", "wrong-password").status_code == 401
    assert api.login("ghost-next", "wrong-password").status_code == 429


def test_other_clients_are_not_locked_out_by_ip_limit(api):
    api.signup("alice")
    for i in range(5):
        api.client.post(
            "/api/v1/auth/login",
            json={"username": f"x{i}", "password": "bad-password"},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
    assert api.login("alice").status_code == 200


def test_signup_is_limited_per_ip(api, app):
    app.config["RATELIMIT_SIGNUP"] = "2/hour"
    try:
        assert api.signup("a1").status_code == 201
        assert api.signup("a2").status_code == 201
        resp = api.signup("a3")
        assert resp.status_code == 429
        assert "Retry-After" in resp.headers
    finally:
        app.config["RATELIMIT_SIGNUP"] = "1000/hour"
