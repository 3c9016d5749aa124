--[[
  wrk script of the login storm: every request is POST /auth/login for the next of the accounts
  storm-0 .. storm-(n-1), round-robin. Arguments after "--": n, then the password.
  Reports like report.lua, which it loads from its own folder.
]]
local here = debug.getinfo(1, 'S').source:match('^@(.*/)') or './'
dofile(here .. 'report.lua')

local bodies = {}
local next_index = 0

function init(args)
  for i = 0, tonumber(args[1]) - 1 do
    local body = string.format('{"username":"storm-%d","password":"%s"}', i, args[2])
    bodies[#bodies + 1] = wrk.format('POST', nil, { ['Content-Type'] = 'application/json' }, body)
  end
end

function request()
  next_index = next_index % #bodies + 1
  return bodies[next_index]
end
