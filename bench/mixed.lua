-- wrk script for bench/mixed.mjs: the mixed workload. Each request is the
-- next of a fixed cycle of 20 (so the mix is exact, not a random draw):
--
--   reads 70%       8 GET /survivors/{id}, 3 GET /survivors/{id}/record,
--                   2 GET /survivors?advocate=me&status=active,
--                   1 GET /survivors/{id}/appointments
--   writes 20%      2 PATCH /survivors/{id}, 1 POST .../appointments,
--                   1 POST .../notes
--   dashboards 10%  2 GET /dashboard?advocate=me
--
-- each as one of several advocates (their tokens and active caseloads come
-- from the Lua file WAYMARK_MIXED_DATA that mixed.mjs writes), taken in turn.
--
-- Writes never conflict, so that any answer but 2xx is an error: they go to
-- survivors made for the run that no read touches (outside every caseload),
-- each wrk thread its own. A survivor is PATCHed with the version its last
-- answer gave, and never while a PATCH of it is in flight: the answer is
-- recognised by the id at the head of its body.
--
-- done() prints one line, "MIXED_RESULT {json}": requests, statuses, the mix
-- sent, socket errors and the latency at every 0.1 percentile, so that
-- mixed.mjs can merge the figures of two wrk processes (two servers).
local data = dofile(os.getenv("WAYMARK_MIXED_DATA"))
-- The first thread's number in the data's writer lists: 0, or 1 for the
-- second wrk process when two servers share the load.
local first = tonumber(os.getenv("WAYMARK_MIXED_SLICE") or "0")

local CYCLE = {
	"survivor", "dashboard", "record", "survivor", "patch", "list", "survivor",
	"appointment", "record", "survivor", "note", "survivor", "dashboard", "record",
	"patch", "survivor", "list", "appointments", "survivor", "survivor",
}

-- ---- the main Lua state: one per wrk process ----

local threads = {}

function setup(thread)
	thread:set("tid", first + #threads)
	table.insert(threads, thread)
end

-- ---- each thread's Lua state ----

local n = 0
local writers, free, pending
counts, statuses = {}, {}

function init(args)
	writers, free, pending = {}, {}, {}
	for i, id in ipairs(data.writers[tid + 1]) do
		writers[i] = { id = id, version = 1 }
		free[#free + 1] = i
	end
end

local function headers(token, body)
	local h = { ["Authorization"] = "Bearer " .. token }
	if body then
		h["Content-Type"] = "application/json"
	end
	return h
end

function request()
	n = n + 1
	local kind = CYCLE[(n - 1) % #CYCLE + 1]
	-- The advocate and their survivor: steps prime to the cycle's length,
	-- so that every advocate meets every kind of request.
	local adv = data.advocates[(n * 7) % #data.advocates + 1]
	local sid = adv.survivors[(n * 13) % #adv.survivors + 1]
	local tok = adv.token
	if kind == "patch" and #free == 0 then
		kind = "note" -- every writer survivor has a PATCH in flight
	end
	counts[kind] = (counts[kind] or 0) + 1
	if kind == "survivor" then
		return wrk.format("GET", "/api/v1/survivors/" .. sid, headers(tok))
	elseif kind == "record" then
		return wrk.format("GET", "/api/v1/survivors/" .. sid .. "/record", headers(tok))
	elseif kind == "list" then
		return wrk.format("GET", "/api/v1/survivors?advocate=me&status=active", headers(tok))
	elseif kind == "appointments" then
		return wrk.format("GET", "/api/v1/survivors/" .. sid .. "/appointments", headers(tok))
	elseif kind == "dashboard" then
		return wrk.format("GET", "/api/v1/dashboard?advocate=me", headers(tok))
	end
	-- The writes: to this thread's own survivors.
	if kind == "patch" then
		local i = table.remove(free)
		local w = writers[i]
		pending[w.id] = i
		local body = string.format('{"version":%d,"care_needs":{"other":"Bench write %d"}}', w.version, n)
		return wrk.format("PATCH", "/api/v1/survivors/" .. w.id, headers(tok, true), body)
	end
	local w = writers[(n * 11) % #writers + 1]
	if kind == "appointment" then
		-- Beyond the dashboard's week and every alert's reach: the reads
		-- cost the same at the end of the run as at its start.
		local body = string.format('{"kind":"gp","starts_at":"%sT10:00:00Z","duration_min":30,'
			.. '"provider":"Bench surgery","status":"scheduled"}', data.appointment_day)
		return wrk.format("POST", "/api/v1/survivors/" .. w.id .. "/appointments", headers(tok, true), body)
	end
	return wrk.format("POST", "/api/v1/survivors/" .. w.id .. "/notes", headers(tok, true),
		'{"kind":"contact","body":"Bench note"}')
end

function response(status, hdrs, body)
	statuses[status] = (statuses[status] or 0) + 1
	if next(pending) == nil or status ~= 200 then
		return
	end
	local id, v = string.match(body, '^{"id":"(%x+)","version":(%d+)')
	local i = id and pending[id]
	if i then
		pending[id] = nil
		writers[i].version = tonumber(v)
		free[#free + 1] = i
	end
end

-- ---- the summary, in the main state ----

local function json_map(t)
	local parts = {}
	for k, v in pairs(t) do
		parts[#parts + 1] = string.format('"%s":%d', tostring(k), v)
	end
	return "{" .. table.concat(parts, ",") .. "}"
end

local function add(into, from)
	for k, v in pairs(from) do
		into[k] = (into[k] or 0) + v
	end
end

function done(summary, latency, requests)
	local st, mix = {}, {}
	for _, t in ipairs(threads) do
		add(st, t:get("statuses") or {})
		add(mix, t:get("counts") or {})
	end
	local pct = {}
	for i = 1, 1000 do
		pct[i] = string.format("%d", latency:percentile(i / 10))
	end
	local e = summary.errors
	io.write(string.format('MIXED_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,'
		.. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
		.. '"statuses":%s,"mix":%s,"latency_mean_us":%f,"latency_max_us":%d,'
		.. '"latency_permille_us":[%s]}\n',
		summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
		e.status, e.timeout, json_map(st), json_map(mix), latency.mean, latency.max,
		table.concat(pct, ",")))
end
