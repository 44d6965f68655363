/**
 * @module The broker's Lua scripts. Each touches the keys of one room only (one hash tag, so one
 * slot in a Redis Cluster). The `#!lua` line makes Redis check memory before the script runs, so a
 * full Redis refuses a publish whole instead of failing half-way.
 */
import { LuaScript } from './redis-link.js';

/**
 * Assigns a batch of messages their seqs, appends them to the room's stream and publishes them,
 * in one atomic step.
 * KEYS: seq counter, stream. ARGV: deadline (Redis clock, ms), channel, origin, max messages kept
 * (0: no limit), the seq the caller already delivered in the room, then each message's stored JSON.
 * Returns the first seq; 0 if the deadline had passed (the sender was already told it failed, so a
 * request Redis reads late, after a freeze, must not store anything); -1 if the counter is below
 * what the caller delivered (Redis lost the room's history: the caller starts a new epoch first).
 * The stream's ids are `<seq>-0`. If the counter is new but the stream is not (the counter alone
 * was lost), it continues after the stream's last entry, so a seq is never reused.
 */
export const PUBLISH_SCRIPT = new LuaScript(`#!lua
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[1]) then
  return 0
end
local floor = tonumber(ARGV[5])
if floor > 0 and tonumber(redis.call('GET', KEYS[1]) or '0') < floor then
  return -1
end
local count = #ARGV - 5
local last = redis.call('INCRBY', KEYS[1], count)
if last == count then
  local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
  if top then
    last = redis.call('INCRBY', KEYS[1], tonumber(string.match(top[1], '^(%d+)')))
  end
end
local first = last - count + 1
local keep = tonumber(ARGV[4])
for i = 1, count do
  local id = string.format('%d-0', first + i - 1)
  if keep > 0 and i == count then
    redis.call('XADD', KEYS[2], 'MAXLEN', keep, id, 'm', ARGV[5 + i])
  else
    redis.call('XADD', KEYS[2], id, 'm', ARGV[5 + i])
  end
end
redis.call('SPUBLISH', ARGV[2], string.format('[%d,"%s",', first, ARGV[3]) .. table.concat(ARGV, ',', 6) .. ']')
return first
`);

/**
 * Age retention for one room: drops entries older than a cutoff from the head of the stream,
 * examining at most a bounded number of entries per call.
 * KEYS: stream. ARGV: cutoff ts (ms), most entries to examine. Returns how many were dropped.
 */
export const PRUNE_SCRIPT = new LuaScript(`#!lua
local cutoff = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local start = '-'
local keepFrom = nil
local lastOld = nil
while budget > 0 and keepFrom == nil do
  local entries = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', math.min(budget, 100))
  if #entries == 0 then break end
  for _, entry in ipairs(entries) do
    local ts = cjson.decode(entry[2][2])[4]
    if ts >= cutoff then
      keepFrom = entry[1]
      break
    end
    lastOld = entry[1]
  end
  budget = budget - #entries
  start = '(' .. entries[#entries][1]
end
if keepFrom then
  return redis.call('XTRIM', KEYS[1], 'MINID', keepFrom)
end
if lastOld then
  return redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d-0', tonumber(string.match(lastOld, '^(%d+)')) + 1))
end
return 0
`);

/**
 * Replaces the epoch only if it is still the one the caller knew (or is gone), so nodes that
 * notice the same loss agree on one new epoch. KEYS: epoch. ARGV: known epoch, candidate.
 * Returns the epoch now in force.
 */
export const REPLACE_EPOCH_SCRIPT = new LuaScript(`#!lua
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return ARGV[2]
end
return current
`);
