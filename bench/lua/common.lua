-- Shared by the scripts: each wrk thread loads bench/.run/tokens.txt (token board category team list per line)
-- and every request picks a user at random, so the auth lookup and the filters vary.
local users = {}
local counter = 0

function load_users()
  math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  for line in io.lines(os.getenv("BENCH_TOKENS") or "bench/.run/tokens.txt") do
    local token, board, category, team, list = line:match("(%S+) (%d+) (%d+) (%d+) (%d+)")
    if token then
      users[#users + 1] = {token = token, board = board, category = category, team = team, list = list}
    end
  end
end

function pick()
  counter = counter + 1
  return users[math.random(#users)], counter
end
dofile("bench/lua/report.lua")
