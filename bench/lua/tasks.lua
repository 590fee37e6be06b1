-- GET /api/v1/lists/<id>/tasks: a team task list, page of 20, one of the first pages.
dofile("bench/lua/common.lua")
function init(args) load_users() end
function request()
  local u, n = pick()
  return wrk.format("GET", "/api/v1/lists/" .. u.list .. "/tasks?page_size=20&page=" .. (1 + n % 2),
    {["Authorization"] = "Bearer " .. u.token})
end
