// The Lua scripts modelmesh.redis.v1 runs inside Redis (EVALSHA, falling back to EVAL, through ioredis'
// defineCommand). A script runs atomically: no other client's command runs between its reads and writes, which is
// what makes check-and-reserve safe across processes. Amounts are USD as floats (HINCRBYFLOAT); comparisons allow a
// billionth of a dollar, as the in-process ledger does, so 50 × $0.008 fits $0.40 despite binary fractions.
//
// Keys (P = keyPrefix): P..'budget:'..name (hash: day, daySpent, month, monthSpent, reserved),
// P..'reservation:'..id (hash: amount, day, month, budgets as a JSON list), P..'reservations' (sorted set of open
// reservation ids scored by the time their lease runs out). Every budget key a script touches is derived from the
// prefix inside it, so these scripts need a single Redis (standalone, or Sentinel), not Cluster.

const COMMON = `
local EPSILON = 1e-9
local function num(value) return tonumber(value) or 0 end
local function fmt(value) return string.format('%.17g', value) end
-- A new UTC day or month starts at zero; a process whose clock is behind never rolls a counter back.
local function roll(key, day, month)
  local current = redis.call('HMGET', key, 'day', 'month')
  if not current[1] or current[1] < day then redis.call('HSET', key, 'day', day, 'daySpent', '0') end
  if not current[2] or current[2] < month then redis.call('HSET', key, 'month', month, 'monthSpent', '0') end
end
local function state(name, key)
  local values = redis.call('HMGET', key, 'day', 'daySpent', 'month', 'monthSpent', 'reserved')
  return { name, values[1] or '', values[2] or '0', values[3] or '', values[4] or '0', values[5] or '0' }
end
local function release(key, amount)
  local left = tonumber(redis.call('HINCRBYFLOAT', key, 'reserved', fmt(-amount)))
  if left < EPSILON then redis.call('HSET', key, 'reserved', '0') end
end
-- Reservations whose lease ran out belong to a process that died (or lost Redis) before settling: their worst case
-- becomes spend in the day and month they were made, and they stop being reservations. Never counted twice: the
-- reservation is deleted in the same script, and a late settle finds nothing.
local function sweep(prefix, index, now, day, month)
  local expired = redis.call('ZRANGEBYSCORE', index, '-inf', now, 'LIMIT', 0, 64)
  for _, id in ipairs(expired) do
    local key = prefix .. 'reservation:' .. id
    local held = redis.call('HMGET', key, 'amount', 'day', 'month', 'budgets')
    if held[1] then
      local amount = num(held[1])
      for _, name in ipairs(cjson.decode(held[4])) do
        local budget = prefix .. 'budget:' .. name
        roll(budget, day, month)
        release(budget, amount)
        if redis.call('HGET', budget, 'day') == held[2] then redis.call('HINCRBYFLOAT', budget, 'daySpent', fmt(amount)) end
        if redis.call('HGET', budget, 'month') == held[3] then redis.call('HINCRBYFLOAT', budget, 'monthSpent', fmt(amount)) end
      end
      redis.call('DEL', key)
    end
    redis.call('ZREM', index, id)
  end
end
`;

/**
 * Checks a reservation against every enforced budget and, only if all fit, reserves it on every budget.
 * KEYS: [1] open-reservation index, [2] this reservation's hash, [3..] one hash per budget.
 * ARGV: [1] id, [2] amount, [3] day, [4] month, [5] now, [6] lease end, [7] key prefix, [8] budget names (JSON),
 * then per budget: daily limit ('' for none), monthly limit, enforce ('1' / '0').
 * Returns {1, state...} (6 strings per budget: name, day, daySpent, month, monthSpent, reserved) or
 * {0, name, limitType, limitValue, spent}.
 */
export const RESERVE_SCRIPT = `${COMMON}
local amount = num(ARGV[2])
local day, month, prefix = ARGV[3], ARGV[4], ARGV[7]
local names = cjson.decode(ARGV[8])
sweep(prefix, KEYS[1], ARGV[5], day, month)
for i, name in ipairs(names) do
  local key = KEYS[2 + i]
  roll(key, day, month)
  local base = 8 + (i - 1) * 3
  if ARGV[base + 3] == '1' then
    local values = redis.call('HMGET', key, 'daySpent', 'monthSpent', 'reserved')
    local daySpent, monthSpent, reserved = num(values[1]), num(values[2]), num(values[3])
    if ARGV[base + 1] ~= '' and daySpent + reserved + amount > num(ARGV[base + 1]) + EPSILON then
      return { 0, name, 'daily', ARGV[base + 1], fmt(daySpent) }
    end
    if ARGV[base + 2] ~= '' and monthSpent + reserved + amount > num(ARGV[base + 2]) + EPSILON then
      return { 0, name, 'monthly', ARGV[base + 2], fmt(monthSpent) }
    end
  end
end
local result = { 1 }
for i, name in ipairs(names) do
  local key = KEYS[2 + i]
  redis.call('HINCRBYFLOAT', key, 'reserved', fmt(amount))
  for _, value in ipairs(state(name, key)) do table.insert(result, value) end
end
redis.call('HSET', KEYS[2], 'amount', fmt(amount), 'day', day, 'month', month, 'budgets', ARGV[8])
redis.call('ZADD', KEYS[1], ARGV[6], ARGV[1])
return result
`;

/**
 * Releases a reservation and books its real cost in the current day and month of every budget it held.
 * KEYS: [1] open-reservation index, [2] the reservation's hash. ARGV: [1] id, [2] cost, [3] day, [4] month, [5] prefix.
 * Returns the budgets' states (6 strings each), or {} when the reservation is gone (its lease ran out and it was
 * booked at its worst case already).
 */
export const SETTLE_SCRIPT = `${COMMON}
local held = redis.call('HMGET', KEYS[2], 'amount', 'budgets')
if not held[1] then return {} end
local amount, cost = num(held[1]), num(ARGV[2])
local result = {}
for _, name in ipairs(cjson.decode(held[2])) do
  local key = ARGV[5] .. 'budget:' .. name
  roll(key, ARGV[3], ARGV[4])
  release(key, amount)
  if cost > 0 then
    redis.call('HINCRBYFLOAT', key, 'daySpent', fmt(cost))
    redis.call('HINCRBYFLOAT', key, 'monthSpent', fmt(cost))
  end
  for _, value in ipairs(state(name, key)) do table.insert(result, value) end
end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return result
`;

/**
 * A token bucket shared by every proxy: takes one request from KEYS[1] if it holds one. Time is the Redis server's
 * (TIME), so proxies whose clocks disagree still refill one bucket evenly.
 * ARGV: [1] capacity, [2] tokens per ms. Returns '0' when allowed, else the ms until one token is back.
 */
export const TAKE_TOKEN_SCRIPT = `
local capacity, perMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local held = redis.call('HMGET', KEYS[1], 'tokens', 'updatedAt')
local tokens = capacity
if held[1] then tokens = math.min(capacity, tonumber(held[1]) + math.max(0, now - tonumber(held[2])) * perMs) end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / perMs end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'updatedAt', now)
-- A bucket left alone refills completely in capacity / perMs: after that it carries no information.
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / perMs) + 1000)
return string.format('%.17g', wait)
`;

/**
 * Adds one process's usage since its last exchange to the shared totals and returns all of them, in one step (no
 * other process's addition can fall between the add and the read).
 * KEYS: [1] the usage hash. ARGV: counter name, amount, counter name, amount, ... Returns HGETALL's flat list.
 */
export const SYNC_USAGE_SCRIPT = `
for i = 1, #ARGV, 2 do redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1]) end
return redis.call('HGETALL', KEYS[1])
`;
