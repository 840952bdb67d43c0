"""Lua scripts that make each queue operation one atomic round trip.

Why Lua: an enqueue must check the idempotency key, the per-user cap and write the stream
entry with no other client in between (two webhook redeliveries arriving together must
still give one job). A claim must reclaim stale messages, then read the fast lane, then the
relaxed lane only if fast was empty — one round trip instead of four. Every key a script
touches is passed in KEYS (Redis 7 rules); only the Redis 7.0 command set is used.
"""

from __future__ import annotations

# Shared helpers, prepended to scripts that need them.
_STREAM_HELPERS = """
local function id_le(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as <= bs)
end
local function group_info(stream, group)
  local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', stream)
  if not ok then return '0-0', 0 end
  for _, g in ipairs(groups) do
    local name, last, pending
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i + 1]
      elseif g[i] == 'last-delivered-id' then last = g[i + 1]
      elseif g[i] == 'pending' then pending = g[i + 1] end
    end
    if name == group then return last, pending end
  end
  return '0-0', 0
end
"""

# KEYS: idempotency key, user pending set, jobs stream of the lane, index hash
# ARGV: job id, user key, max pending, idempotency ttl (s), lane
# Returns {1, job, message id} (new) | {0, first job, "lane id user" or false} (duplicate)
#       | {-1, pending count} (cap reached).
ENQUEUE = """
local first = redis.call('GET', KEYS[1])
if first then
  return {0, first, redis.call('HGET', KEYS[4], first)}
end
local again = redis.call('HGET', KEYS[4], ARGV[1])
if again then
  return {0, ARGV[1], again}
end
-- Prune members whose job left the queue some other way (a crash between steps of an
-- operator's manual clean-up): a stale member must never block a user for ever.
local members = redis.call('SMEMBERS', KEYS[2])
local n = #members
for _, m in ipairs(members) do
  if redis.call('HEXISTS', KEYS[4], m) == 0 then
    redis.call('SREM', KEYS[2], m)
    n = n - 1
  end
end
if n >= tonumber(ARGV[3]) then
  return {-1, n}
end
local id = redis.call('XADD', KEYS[3], '*', 'job', ARGV[1], 'user', ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[5] .. ' ' .. id .. ' ' .. ARGV[2])
return {1, ARGV[1], id}
"""

# KEYS: jobs stream per lane, in serving order (fast, relaxed)
# ARGV: group, consumer, count, min idle ms, reclaim? ('1'/'0'), then one XAUTOCLAIM cursor per lane
# Returns {cursors..., {{lane index, id, deliveries, job, user}, ...}}
CLAIM = """
local group, consumer = ARGV[1], ARGV[2]
local count = tonumber(ARGV[3])
local cursors = {}
local out = {}
local function fields(f)
  local job, user = '', ''
  for i = 1, #f, 2 do
    if f[i] == 'job' then job = f[i + 1] elseif f[i] == 'user' then user = f[i + 1] end
  end
  return job, user
end
for lane = 1, #KEYS do
  cursors[lane] = ARGV[5 + lane]
end
if ARGV[5] == '1' then
  for lane = 1, #KEYS do
    if #out < count then
      local r = redis.call('XAUTOCLAIM', KEYS[lane], group, consumer, ARGV[4], cursors[lane],
                           'COUNT', count - #out)
      cursors[lane] = r[1]
      for _, e in ipairs(r[2]) do
        local p = redis.call('XPENDING', KEYS[lane], group, e[1], e[1], 1)
        local tries = 1
        if p[1] then tries = p[1][4] end
        local job, user = fields(e[2])
        table.insert(out, {lane, e[1], tries, job, user})
      end
    end
  end
end
for lane = 1, #KEYS do
  if #out >= count then break end
  local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count - #out,
                       'STREAMS', KEYS[lane], '>')
  if r then
    for _, e in ipairs(r[1][2]) do
      local job, user = fields(e[2])
      table.insert(out, {lane, e[1], 1, job, user})
    end
  end
  -- A later lane is served only when every earlier lane had nothing at all.
  if #out > 0 then break end
end
local reply = {}
for lane = 1, #KEYS do reply[lane] = cursors[lane] end
reply[#KEYS + 1] = out
return reply
"""

# KEYS: jobs stream, dead-letter stream, index hash, errors hash, user pending set
# ARGV: group, message id, job id, user key, lane, attempt, error ('' = use the recorded one), now ms
# Returns {dead-letter entry id, error}
DEAD_LETTER = """
local err = ARGV[7]
if err == '' then
  err = redis.call('HGET', KEYS[4], ARGV[3]) or 'delivered too many times without finishing'
end
local dead = redis.call('XADD', KEYS[2], '*', 'job', ARGV[3], 'user', ARGV[4], 'lane', ARGV[5],
                        'message', ARGV[2], 'attempt', ARGV[6], 'error', err, 'at_ms', ARGV[8])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('SREM', KEYS[5], ARGV[3])
redis.call('HDEL', KEYS[3], ARGV[3])
redis.call('HDEL', KEYS[4], ARGV[3])
return {dead, err}
"""

# KEYS: jobs stream
# ARGV: group, consumer, message id, mode ('beat' | 'release'), idle ms (release), retry count (release)
# Returns 1 while the consumer still owns the message, 0 when another consumer took it
# over or it is gone (acked / dead-lettered).
TOUCH = """
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then
  return 0
end
if ARGV[4] == 'beat' then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
else
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[5],
             'RETRYCOUNT', ARGV[6], 'JUSTID')
end
return 1
"""

# KEYS: index hash, then jobs stream per lane in serving order
# ARGV: job id, group, then the lane name of each stream
# Returns the 1-based position among undelivered messages (earlier lanes first), or false.
POSITION = (
    _STREAM_HELPERS
    + """
local where = redis.call('HGET', KEYS[1], ARGV[1])
if not where then return false end
local lane, id = string.match(where, '^(%S+) (%S+)')
local ahead = 0
for i = 2, #KEYS do
  local stream = KEYS[i]
  local last, pending = group_info(stream, ARGV[2])
  if ARGV[i + 1] == lane then
    if id_le(id, last) then return false end
    return ahead + #redis.call('XRANGE', stream, '(' .. last, id)
  end
  ahead = ahead + redis.call('XLEN', stream) - pending
end
return false
"""
)

# KEYS: index hash, cancel flag, jobs stream of the job's lane, user pending set, errors hash
# ARGV: job id, index value read before ('lane id user'), group, flag ttl (s)
# Returns 1 removed from the queue, 0 already delivered (flag set for the worker), -1 index changed.
CANCEL = (
    _STREAM_HELPERS
    + """
redis.call('SET', KEYS[2], '1', 'EX', ARGV[4])
local where = redis.call('HGET', KEYS[1], ARGV[1])
if where ~= ARGV[2] then return -1 end
local _, id = string.match(where, '^(%S+) (%S+)')
local last = group_info(KEYS[3], ARGV[3])
if id_le(id, last) then return 0 end
redis.call('XDEL', KEYS[3], id)
redis.call('SREM', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
return 1
"""
)
