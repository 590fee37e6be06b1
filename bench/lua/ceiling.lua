-- GET the ceiling's constant list (with an Authorization header of the same size as the API's).
dofile("bench/lua/common.lua")
function init(args) load_users() end
function request()
  local u = pick()
  return wrk.format("GET", "/api/v1/goals?page_size=20", {["Authorization"] = "Bearer " .. u.token})
end
