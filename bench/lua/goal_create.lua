-- POST /api/v1/goals: a goal in the user's own category (writer on that board).
dofile("bench/lua/common.lua")
function init(args) load_users() end
function request()
  local u, n = pick()
  local body = '{"title": "Bench goal ' .. n .. '", "category_id": ' .. u.category ..
    ', "priority": "high", "due_date": "2027-03-01"}'
  return wrk.format("POST", "/api/v1/goals", {["Authorization"] = "Bearer " .. u.token,
    ["Content-Type"] = "application/json"}, body)
end
