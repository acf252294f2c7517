/**
 * The Lua script behind `publishDurable`. One script (EVALSHA, pipelined, one call per batch of
 * publishes to a stream) does what a MULTI could not do conditionally, atomically on the server, for
 * each message:
 *
 * 1. duplicate detection: `GET <dup key>`; if the envelope id was stored within the duplicate window,
 *    return the original sequence with `duplicate = 1` and store nothing;
 * 2. capacity: in `reject`/`block` mode, when XLEN has reached `maxMessages`, first trim entries that
 *    every consumer group has already acknowledged (below the oldest pending id and the oldest
 *    last-delivered id of all groups, via XTRIM MINID); still full -> status 2 (the caller rejects with
 *    BACKPRESSURE or, in `block` mode, retries until its timeout);
 * 3. `INCR` the stream's sequence, `XADD` the entry (`MAXLEN ~` in `drop-oldest` mode, exact below
 *    1000 so small bounds are exact), trim by age (`XTRIM MINID` from the server clock) when
 *    `maxAgeMs` is set, and `SET <dup key> <seq> PX <window>`.
 *
 * Because the marker and the entry are written by one script, an AOF replay after a crash restores
 * both or neither: a publisher retrying after a broker restart gets `duplicate: true`, never a second
 * copy.
 */

/**
 * KEYS: stream, seq, then one duplicate key per message. ARGV: maxLen, overflow, dupTtlMs, maxAgeMs,
 * then (envelope, subject, id) per message. Returns a flat list of (seq, status) pairs, status 0 =
 * stored, 1 = duplicate, 2 = full. A `dupTtlMs` of 0 turns duplicate detection off. One call stores a whole batch: the EVALSHA overhead is paid once
 * per batch, not per message.
 */
export const PUBLISH_SCRIPT = `
local function cmpid(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  ams = tonumber(ams); bms = tonumber(bms)
  if ams ~= bms then return ams < bms and -1 or 1 end
  aseq = tonumber(aseq); bseq = tonumber(bseq)
  if aseq == bseq then return 0 end
  return aseq < bseq and -1 or 1
end
local function field(arr, name)
  for i = 1, #arr, 2 do if arr[i] == name then return arr[i + 1] end end
  return nil
end
local function trimAcknowledged()
  local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
  local safe = nil
  for _, g in ipairs(groups) do
    local candidate = field(g, 'last-delivered-id')
    local pending = redis.call('XPENDING', KEYS[1], field(g, 'name'))
    if tonumber(pending[1]) > 0 and cmpid(pending[2], candidate) < 0 then candidate = pending[2] end
    if safe == nil or cmpid(candidate, safe) < 0 then safe = candidate end
  end
  if safe ~= nil and safe ~= '0-0' then redis.call('XTRIM', KEYS[1], 'MINID', safe) end
end
local maxLen = tonumber(ARGV[1])
local overflow = ARGV[2]
local ttl = ARGV[3]
local maxAge = tonumber(ARGV[4])
local out = {}
local len = nil
local trimmed = false
for k = 1, #KEYS - 2 do
  local dupKey = KEYS[k + 2]
  local base = 4 + (k - 1) * 3
  local prev = false
  if ttl ~= '0' then prev = redis.call('GET', dupKey) end
  if prev then
    out[#out + 1] = tonumber(prev); out[#out + 1] = 1
  else
    local full = false
    if overflow ~= 'drop-oldest' then
      if len == nil then len = redis.call('XLEN', KEYS[1]) end
      if len >= maxLen and not trimmed then
        trimAcknowledged(); trimmed = true
        len = redis.call('XLEN', KEYS[1])
      end
      full = len >= maxLen
    end
    if full then
      out[#out + 1] = 0; out[#out + 1] = 2
    else
      local seq = redis.call('INCR', KEYS[2])
      if overflow == 'drop-oldest' then
        if maxLen >= 1000 then
          redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxLen, '*', 'n', seq, 's', ARGV[base + 2], 'i', ARGV[base + 3], 'e', ARGV[base + 1])
        else
          redis.call('XADD', KEYS[1], 'MAXLEN', maxLen, '*', 'n', seq, 's', ARGV[base + 2], 'i', ARGV[base + 3], 'e', ARGV[base + 1])
        end
      else
        redis.call('XADD', KEYS[1], '*', 'n', seq, 's', ARGV[base + 2], 'i', ARGV[base + 3], 'e', ARGV[base + 1])
        len = len + 1
      end
      if ttl ~= '0' then redis.call('SET', dupKey, seq, 'PX', ttl) end
      out[#out + 1] = seq; out[#out + 1] = 0
    end
  end
end
if maxAge > 0 then
  local t = redis.call('TIME')
  local minMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - maxAge
  if minMs > 0 then redis.call('XTRIM', KEYS[1], 'MINID', minMs) end
end
return out
`;
