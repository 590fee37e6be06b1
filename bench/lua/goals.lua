-- GET /api/v1/goals: page of 20 with a filter and an ordering, varied per request.
dofile("bench/lua/common.lua")
local statuses = {"todo", "in_progress", "done", "overdue"}
local orderings = {"due_date", "-due_date", "priority", "-created_at", "title"}
function init(args) load_users() end
function request()
  local u, n = pick()
  local path = "/api/v1/goals?page_size=20&status=" .. statuses[1 + n % #statuses] .. "&ordering=" ..
    orderings[1 + n % #orderings] .. "&page=" .. (1 + n % 3)
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. u.token})
end
