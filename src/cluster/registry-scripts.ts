/**
 * @module The registry's Lua scripts. Each touches keys of one slot: a nick claim, a room's member
 * hash, the id counter, or the node table (whose keys share the `{nodes}` hash tag). Times come
 * from Redis's own clock, so node clocks never decide whether a lease is alive.
 */
import { LuaScript } from './redis-link.js';

/**
 * Leases a block of serial ids. KEYS: counter. ARGV: block size, the highest id this node ever
 * handed out. A counter below that (Redis lost it) is first raised to it, so ids are never reused.
 * Returns the block's last id.
 */
export const ID_BLOCK_SCRIPT = new LuaScript(`#!lua
local floor = tonumber(ARGV[2])
if tonumber(redis.call('GET', KEYS[1]) or '0') < floor then
  redis.call('SET', KEYS[1], floor)
end
return redis.call('INCRBY', KEYS[1], ARGV[1])
`);

/**
 * Claims a nick. KEYS: claim. ARGV: holder (`<nodeId> <sessionId>`). Returns 1 if the caller holds
 * it now, else the current holder: the node table is in another slot, so whether that holder's node
 * is still alive is for the caller to check.
 */
export const CLAIM_NICK_SCRIPT = new LuaScript(`#!lua
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return holder
`);

/** Replaces a claim only if it still has the expected holder. KEYS: claim. ARGV: expected, new holder. Returns 1 if replaced. */
export const TAKE_OVER_NICK_SCRIPT = new LuaScript(`#!lua
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

/** Deletes a claim only if `ARGV[1]` holds it (exactly, or by node when it ends with a space). KEYS: claim. Returns 1 if deleted. */
export const RELEASE_NICK_SCRIPT = new LuaScript(`#!lua
local holder = redis.call('GET', KEYS[1])
if holder and (holder == ARGV[1] or (string.sub(ARGV[1], -1) == ' ' and string.sub(holder, 1, #ARGV[1]) == ARGV[1])) then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`);

/**
 * Removes a node's members from a room. KEYS: the room's member hash. ARGV: node id.
 * Returns the removed members as a flat list: id, nick, id, nick, …
 */
export const REMOVE_NODE_MEMBERS_SCRIPT = new LuaScript(`#!lua
local prefix = ARGV[1] .. ' '
local removed = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local value = all[i + 1]
  if string.sub(value, 1, #prefix) == prefix then
    redis.call('HDEL', KEYS[1], all[i])
    removed[#removed + 1] = all[i]
    removed[#removed + 1] = string.sub(value, #prefix + 1)
  end
end
return removed
`);

/**
 * Takes or renews a node's lease. KEYS: live nodes. ARGV: node id, lease (ms), 'new' to take a
 * first lease. Renewing returns 1 if the node was still in the table (a lease that expired but
 * was not yet taken away simply goes on), and 0, renewing nothing, if it was not: another node has
 * taken on its cleanup, and this node id is finished.
 */
export const LEASE_SCRIPT = new LuaScript(`#!lua
local now = redis.call('TIME')
local expiry = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[2])
if ARGV[3] ~= 'new' and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
return 1
`);

/**
 * Finds nodes whose lease expired and takes on their cleanup. KEYS: live nodes, dead nodes.
 * ARGV: how long (ms) a cleanup may take before another node takes it over.
 * Expired nodes move from live to dead, stamped with now; dead nodes whose cleanup is older than
 * the takeover time are stamped again and returned too. Returns the node ids to clean up.
 */
export const CLAIM_DEAD_NODES_SCRIPT = new LuaScript(`#!lua
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local claimed = {}
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)) do
  redis.call('ZREM', KEYS[1], node)
  redis.call('ZADD', KEYS[2], now, node)
  claimed[#claimed + 1] = node
end
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - tonumber(ARGV[1])))) do
  redis.call('ZADD', KEYS[2], now, node)
  claimed[#claimed + 1] = node
end
return claimed
`);

/** The live nodes, by Redis's clock. KEYS: live nodes. */
export const LIVE_NODES_SCRIPT = new LuaScript(`#!lua
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')
`);
