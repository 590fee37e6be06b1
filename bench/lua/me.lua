-- GET /api/v1/auth/me: the fixed cost of an authenticated request (token check, session lookup, a small body).
dofile("bench/lua/common.lua")
function init(args) load_users() end
function request()
  local u = pick()
  return wrk.format("GET", "/api/v1/auth/me", {["Authorization"] = "Bearer " .. u.token})
end
