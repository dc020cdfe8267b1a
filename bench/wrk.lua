-- wrk script for bench/run.mjs: every request carries the session's bearer
-- token, read from WAYMARK_TOKEN (absent: no Authorization header, as for
-- nginx's static file).
local token = os.getenv("WAYMARK_TOKEN")
if token and token ~= "" then
	wrk.headers["Authorization"] = "Bearer " .. token
end
-- A web page: the session cookie from the sign-in form (WAYMARK_COOKIE).
local cookie = os.getenv("WAYMARK_COOKIE")
if cookie and cookie ~= "" then
	wrk.headers["Cookie"] = cookie
	wrk.headers["Accept"] = "text/html"
end
