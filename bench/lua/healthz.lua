-- GET /healthz: no database, no auth; its p99 under 32 connections shows whether the workers serve them fairly.
dofile("bench/lua/common.lua")
function init(args) load_users() end
function request()
  return wrk.format("GET", "/healthz")
end
