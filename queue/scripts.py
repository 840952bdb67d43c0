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

# Enqueue one or many jobs, each atomically (the whole batch runs as one script).
# KEYS: index hash, then the jobs stream of each lane, then per job: idempotency key, user
#       pending set
# ARGV: idempotency ttl (s), max pending, number of lanes, lane names..., then per job one
#       string '<lane number> <job id> <user key>' (one argument per job: argument packing
#       is most of the client's cost)
# Returns one string per job: the new message id | 'D <first job> [<lane> <id> <user>]'
# (duplicate: same idempotency key or job id) | 'C <pending count>' (cap reached).
# Kept lean on purpose (it is the hot path of the benchmark): SET NX GET replaces a GET
# plus a SET, and the index is written with one HSET for the whole batch.
ENQUEUE = """
local index = KEYS[1]
local ttl, cap, lanes = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local first_key, first_arg = 2 + lanes, 4 + lanes
local out, fields, batch = {}, {}, {}
for j = 0, (#KEYS - first_key + 1) / 2 - 1 do
  local idem, users = KEYS[first_key + 2 * j], KEYS[first_key + 1 + 2 * j]
  local lane_no, job, user = string.match(ARGV[first_arg + j], '^(%d+) (%S+) (.*)$')
  lane_no = tonumber(lane_no)
  local where = batch[job] or redis.call('HGET', index, job)
  local first = false
  if where then
    first = job
  else
    first = redis.call('SET', idem, job, 'NX', 'GET', 'EX', ttl)
    if first then where = batch[first] or redis.call('HGET', index, first) end
  end
  if first then
    if where then out[j + 1] = 'D ' .. first .. ' ' .. where else out[j + 1] = 'D ' .. first end
  else
    local n = redis.call('SCARD', users)
    if n >= cap then
      -- Before refusing, drop members whose job left the queue some other way (an
      -- operator's manual clean-up): a stale member must never block a user for ever.
      for _, m in ipairs(redis.call('SMEMBERS', users)) do
        if not batch[m] and redis.call('HEXISTS', index, m) == 0 then
          redis.call('SREM', users, m)
          n = n - 1
        end
      end
    end
    if n >= cap then
      redis.call('DEL', idem)
      out[j + 1] = 'C ' .. n
    else
      local id = redis.call('XADD', KEYS[1 + lane_no], '*', 'job', job, 'user', user)
      redis.call('SADD', users, job)
      local entry = ARGV[3 + lane_no] .. ' ' .. id .. ' ' .. user
      batch[job] = entry
      fields[#fields + 1] = job
      fields[#fields + 1] = entry
      out[j + 1] = id
    end
  end
end
if #fields > 0 then redis.call('HSET', index, unpack(fields)) end
return out
"""

# Acknowledge finished jobs: XACK + XDEL + forget them, atomically, for a whole batch
# (one XACK / XDEL / HDEL per lane and batch, not per job).
# KEYS: index hash, errors hash, then the jobs stream of each lane, then per job: user pending set
# ARGV: group, number of lanes, then per job one string '<lane number> <message id> <job id>'
# Returns how many messages were still pending.
ACK = """
local lanes = tonumber(ARGV[2])
local first_key = 3 + lanes
local ids, jobs = {}, {}
for lane = 1, lanes do ids[lane] = {} end
for j = 0, #KEYS - first_key do
  local lane_no, id, job = string.match(ARGV[3 + j], '^(%d+) (%S+) (%S+)$')
  local lane_ids = ids[tonumber(lane_no)]
  lane_ids[#lane_ids + 1] = id
  jobs[#jobs + 1] = job
  redis.call('SREM', KEYS[first_key + j], job)
end
local acked = 0
for lane = 1, lanes do
  if #ids[lane] > 0 then
    acked = acked + redis.call('XACK', KEYS[2 + lane], ARGV[1], unpack(ids[lane]))
    redis.call('XDEL', KEYS[2 + lane], unpack(ids[lane]))
  end
end
redis.call('HDEL', KEYS[1], unpack(jobs))
redis.call('HDEL', KEYS[2], unpack(jobs))
return acked
"""

# KEYS: jobs stream per lane, in serving order (fast, relaxed)
# ARGV: group, consumer, count, min idle ms, reclaim? ('1'/'0'), then one XAUTOCLAIM cursor per lane
# Returns {cursors..., {'<lane number> <deliveries> <message id> <job> <user>', ...}}
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
        table.insert(out, lane .. ' ' .. tries .. ' ' .. e[1] .. ' ' .. job .. ' ' .. user)
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
      table.insert(out, lane .. ' 1 ' .. e[1] .. ' ' .. job .. ' ' .. user)
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
# ARGV: group, consumer, message id, mode ('beat' | 'count' | 'release'), idle ms (release),
#       retry count (count, release)
# Returns 1 while the consumer still owns the message, 0 when another consumer took it
# over or it is gone (acked / dead-lettered). 'count' is a beat that also sets the delivery
# count (a job claimed ahead of its turn holds it uncounted until it starts).
TOUCH = """
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then
  return 0
end
if ARGV[4] == 'beat' then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
elseif ARGV[4] == 'count' then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'RETRYCOUNT', ARGV[6], 'JUSTID')
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

# Where one waiting job stands, for a wait estimate: its place and the jobs served before it.
# KEYS: index hash, then jobs stream per lane in serving order
# ARGV: job id, group, limit (ids returned per list), then the lane name of each stream
# Returns false (not waiting) or {lane, place in its lane, place overall, #ahead ids,
# ahead job ids... (serving order, at most limit), in-flight job ids... (at most limit)}.
STANDING = (
    _STREAM_HELPERS
    + """
local function job_of(fields)
  for i = 1, #fields, 2 do
    if fields[i] == 'job' then return fields[i + 1] end
  end
  return nil
end
local where = redis.call('HGET', KEYS[1], ARGV[1])
if not where then return false end
local lane, id = string.match(where, '^(%S+) (%S+)')
local limit = tonumber(ARGV[3])
local before, ahead, flying, found = 0, {}, {}, nil
for i = 2, #KEYS do
  local stream = KEYS[i]
  local last, pending = group_info(stream, ARGV[2])
  if pending > 0 and #flying < limit then
    for _, p in ipairs(redis.call('XPENDING', stream, ARGV[2], '-', '+', limit - #flying)) do
      local entry = redis.call('XRANGE', stream, p[1], p[1])
      local job = entry[1] and job_of(entry[1][2])
      if job then flying[#flying + 1] = job end
    end
  end
  if not found then
    if ARGV[i + 2] == lane then
      if id_le(id, last) then return false end
      local entries = redis.call('XRANGE', stream, '(' .. last, id)
      for j = 1, #entries - 1 do
        if #ahead < limit then ahead[#ahead + 1] = job_of(entries[j][2]) end
      end
      found = #entries
    else
      local waiting = redis.call('XLEN', stream) - pending
      before = before + waiting
      if waiting > 0 and #ahead < limit then
        for _, entry in ipairs(redis.call('XRANGE', stream, '(' .. last, '+', 'COUNT', limit - #ahead)) do
          ahead[#ahead + 1] = job_of(entry[2])
        end
      end
    end
  end
end
if not found then return false end
local out = {lane, found, before + found, #ahead}
for _, job in ipairs(ahead) do out[#out + 1] = job end
for _, job in ipairs(flying) do out[#out + 1] = job end
return out
"""
)

# A worker was seen (it claimed or heartbeat): stamp it with Redis's clock, so workers and
# bots on machines with different clocks agree; names silent longer than ARGV[2] ms go.
# KEYS: workers-seen sorted set; ARGV: consumer name, keep (ms)
SEEN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return now
"""

# Workers seen within ARGV[1] ms, by Redis's clock. KEYS: workers-seen sorted set.
LIVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[1])), '+inf')
"""
