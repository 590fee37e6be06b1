-- GET /api/v1/habits: own habits, page of 5.
dofile("bench/lua/common.lua")
function init(args) load_users() end
function request()
  local u = pick()
  return wrk.format("GET", "/api/v1/habits?page_size=5", {["Authorization"] = "Bearer " .. u.token})
end
