def test_signup_login_me(api):
    me = api.signup_and_login("alice")
    resp = api.get("/api/v1/auth/me", me)
    assert resp.status_code == 200
    assert resp.json["username"] == "alice"
    assert resp.json["timezone"] == "Europe/Moscow"
    assert "password" not in str(resp.json)
