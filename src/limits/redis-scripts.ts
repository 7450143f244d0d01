/**
 * Lua run inside Redis, so checking every scope of a call and counting it happen as one step for
 * all hub instances. Time comes from Redis (`TIME`), so the instances' clocks need not agree.
 *
 * Keys per scope: `…:r` and `…:t` are hashes of per-second request and token counts (fields are
 * epoch seconds, the last 60 count); `…:m:<YYYY-MM>` holds the month's `tokens` and `cost`
 * (nano-yuan), recorded plus reserved.
 */

/**
 * KEYS: per scope r, t, m. ARGV: n, estimated tokens, estimated cost, then per scope rpm, tpm,
 * monthly tokens, monthly budget ("0" = none).
 * Returns {0, second, generation per scope} when counted, {1, kind, scope, retry-after} when
 * refused (kind 1 budget, 2 quota, 3 rpm, 4 tpm; monthly retry-after is the hub's to compute), or
 * {2, scopes…} when monthly counters must first be seeded from the database.
 */
export const RESERVE = `
local now = tonumber(redis.call('TIME')[1])
local n = tonumber(ARGV[1])
local estTokens = tonumber(ARGV[2])
local estCost = tonumber(ARGV[3])
local function lim(i, j) return tonumber(ARGV[3 + (i - 1) * 4 + j]) end

local missing = {2}
for i = 1, n do
  if (lim(i, 3) > 0 or lim(i, 4) > 0) and redis.call('EXISTS', KEYS[(i - 1) * 3 + 3]) == 0 then
    table.insert(missing, i)
  end
end
if #missing > 1 then return missing end

for i = 1, n do
  local budget = lim(i, 4)
  if budget > 0 then
    local cost = tonumber(redis.call('HGET', KEYS[(i - 1) * 3 + 3], 'cost') or '0')
    if cost + estCost > budget then return {1, 1, i, 0} end
  end
end
for i = 1, n do
  local quota = lim(i, 3)
  if quota > 0 then
    local tokens = tonumber(redis.call('HGET', KEYS[(i - 1) * 3 + 3], 'tokens') or '0')
    if tokens + estTokens > quota then return {1, 2, i, 0} end
  end
end

local function window(key)
  local raw = redis.call('HGETALL', key)
  local total, items, stale = 0, {}, {}
  for j = 1, #raw, 2 do
    local second, count = tonumber(raw[j]), tonumber(raw[j + 1])
    if second <= now - 60 then
      table.insert(stale, raw[j])
    else
      total = total + count
      table.insert(items, {second, count})
    end
  end
  if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
  return total, items
end
local function fits(used, need, limit, whenEmpty)
  return used + need <= limit or (whenEmpty and used <= 0)
end
local function wait(items, used, need, limit, whenEmpty)
  table.sort(items, function(a, b) return a[1] < b[1] end)
  for _, item in ipairs(items) do
    used = used - item[2]
    if fits(used, need, limit, whenEmpty) then return math.max(1, item[1] + 60 - now) end
  end
  return 60
end

for i = 1, n do
  local rpm, tpm = lim(i, 1), lim(i, 2)
  if rpm > 0 then
    local used, items = window(KEYS[(i - 1) * 3 + 1])
    if not fits(used, 1, rpm, false) then return {1, 3, i, wait(items, used, 1, rpm, false)} end
  end
  if tpm > 0 then
    local used, items = window(KEYS[(i - 1) * 3 + 2])
    if not fits(used, estTokens, tpm, true) then
      return {1, 4, i, wait(items, used, estTokens, tpm, true)}
    end
  end
end

for i = 1, n do
  if lim(i, 1) > 0 then
    redis.call('HINCRBY', KEYS[(i - 1) * 3 + 1], now, 1)
    redis.call('EXPIRE', KEYS[(i - 1) * 3 + 1], 61)
  end
  if lim(i, 2) > 0 then
    redis.call('HINCRBY', KEYS[(i - 1) * 3 + 2], now, ARGV[2])
    redis.call('EXPIRE', KEYS[(i - 1) * 3 + 2], 61)
  end
  if lim(i, 3) > 0 or lim(i, 4) > 0 then
    redis.call('HINCRBY', KEYS[(i - 1) * 3 + 3], 'tokens', ARGV[2])
    redis.call('HINCRBY', KEYS[(i - 1) * 3 + 3], 'cost', ARGV[3])
  end
end
local reply = {0, now}
for i = 1, n do
  local gen = ''
  if lim(i, 3) > 0 or lim(i, 4) > 0 then gen = redis.call('HGET', KEYS[(i - 1) * 3 + 3], 'gen') end
  table.insert(reply, gen)
end
return reply
`;

/**
 * KEYS: per scope t, m. ARGV: n, the reservation's second, token delta, cost delta, actual
 * tokens, actual cost, then per scope has-tpm ("1"/"0") and the month counter's generation at
 * reservation ("" = not monthly). A month counter seeded again since (after a flush or an outage)
 * does not hold the reservation, so it gets the call's whole usage: possibly counted twice if
 * the new seed already read it, never missed. A counter that is gone is seeded again from the
 * database, which has the call by then.
 */
export const RECONCILE = `
local now = tonumber(redis.call('TIME')[1])
local n, second = tonumber(ARGV[1]), tonumber(ARGV[2])
local dTokens = tonumber(ARGV[3])
for i = 1, n do
  local t, m = KEYS[(i - 1) * 2 + 1], KEYS[(i - 1) * 2 + 2]
  local tpm, gen = ARGV[6 + (i - 1) * 2 + 1], ARGV[6 + (i - 1) * 2 + 2]
  if tpm == '1' and dTokens ~= 0 then
    if second > now - 60 and redis.call('HEXISTS', t, second) == 1 then
      if redis.call('HINCRBY', t, second, ARGV[3]) < 0 then redis.call('HSET', t, second, 0) end
    elseif dTokens > 0 then
      redis.call('HINCRBY', t, now, ARGV[3])
      redis.call('EXPIRE', t, 61)
    end
  end
  if gen ~= '' and redis.call('EXISTS', m) == 1 then
    if redis.call('HGET', m, 'gen') == gen then
      redis.call('HINCRBY', m, 'tokens', ARGV[3])
      redis.call('HINCRBY', m, 'cost', ARGV[4])
    else
      redis.call('HINCRBY', m, 'tokens', ARGV[5])
      redis.call('HINCRBY', m, 'cost', ARGV[6])
    end
  end
end
return 0
`;

/**
 * SET NX for a month counter: KEYS[1] m; ARGV tokens, cost, ttl seconds, a fresh generation.
 * Only the first instance to get here seeds; the others' database reads are dropped. Returns 1
 * when this one seeded.
 */
export const SEED = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'tokens', ARGV[1], 'cost', ARGV[2], 'gen', ARGV[4])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;
