--[[
  wrk script of the bench's scale curve: every request presents a token drawn at random from a
  file of tokens, one a line (`wrk ... -s tokens.lua <url> -- <token file>`), so the load spreads
  over a whole population of sessions instead of one hot token. Reports like report.lua.
]]
local here = debug.getinfo(1, 'S').source:match('^@(.*/)') or './'
dofile(here .. 'report.lua')

local tokens = {}
local count = 0
local head, tail

function init(args)
  for line in io.lines(args[1]) do
    if line ~= '' then
      count = count + 1
      tokens[count] = line
    end
  end
  if count == 0 then error('no tokens in ' .. args[1]) end
  math.randomseed(os.time())
  -- One formatted request cut around the token, so each request is two concatenations.
  local marker = '\1TOKEN\1'
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers['Authorization'] = 'Bearer ' .. marker
  local sample = wrk.format(nil, nil, headers)
  local at = sample:find(marker, 1, true)
  head, tail = sample:sub(1, at - 1), sample:sub(at + #marker)
end

function request()
  return head .. tokens[math.random(count)] .. tail
end
