"""Profile reads and updates."""


def test_patch_profile(api, user):
    resp = api.patch("/api/v1/auth/me", user, json={"first_name": "Alice", "timezone": "Asia/Vladivostok"})
    assert resp.status_code == 200
    assert resp.json["first_name"] == "Alice"
    assert resp.json["timezone"] == "Asia/Vladivostok"
    assert api.get("/api/v1/auth/me", user).json["timezone"] == "Asia/Vladivostok"


def test_unknown_timezone_is_422(api, user):
    resp = api.patch("/api/v1/auth/me", user, json={"timezone": "Mars/Olympus"})
    assert resp.status_code == 422
    assert "timezone" in resp.json["errors"]["json"]


def test_profile_cannot_change_username_or_privileges(api, user):
    for field, value in (("username", "root"), ("is_superuser", True), ("id", 1), ("date_joined", "2020-01-01")):
        resp = api.patch("/api/v1/auth/me", user, json={field: value})
        assert resp.status_code == 422, field
        assert field in resp.json["errors"]["json"]
    assert api.get("/api/v1/auth/me", user).json["username"] == user.username


def test_bad_body_without_token_answers_401_first(api):
    resp = api.client.patch("/api/v1/auth/me", json={"timezone": "Mars/Olympus"})
    assert resp.status_code == 401
