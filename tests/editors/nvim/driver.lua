-- Helpers for the Lua scenarios the pytest editor tests run inside headless Neovim.
-- A scenario runs as a coroutine scheduled on the main loop, so that keys sent with
-- nvim_input are processed by the real insert mode (autocommands, mappings) while it sleeps.
-- Every wait is bounded; the results go to cfg.result_path as JSON, then Neovim quits.
local D = {}
local uv = vim.uv or vim.loop

D.cfg = _G.CODESTRAL_TEST
D.results = { ok = false, nvim = tostring(vim.version and (function()
  local v = vim.version()
  return ("%d.%d.%d"):format(v.major, v.minor, v.patch)
end)() or "?"), steps = {} }

local function now_ms()
  return uv.hrtime() / 1e6
end
D.now_ms = now_ms

local finished = false
function D.finish()
  if finished then
    return
  end
  finished = true
  local fd = io.open(D.cfg.result_path, "w")
  fd:write(vim.fn.json_encode(D.results))
  fd:close()
  vim.schedule(function()
    vim.cmd("qa!")
  end)
end

function D.sleep(ms)
  local co = coroutine.running()
  vim.defer_fn(function()
    local ok, err = coroutine.resume(co)
    if not ok then
      D.results.error = tostring(err)
      D.finish()
    end
  end, ms)
  coroutine.yield()
end

--- Polls `cond` every 20 ms until it returns a truthy value; fails after `ms`.
function D.wait(ms, cond, what)
  local deadline = now_ms() + ms
  while true do
    local ok, v = pcall(cond)
    if ok and v then
      return v
    end
    if now_ms() > deadline then
      error(("timed out after %d ms waiting for %s%s"):format(ms, what, ok and "" or (": " .. tostring(v))), 0)
    end
    D.sleep(20)
  end
end

--- Records a value under results.steps[name].
function D.record(name, value)
  D.results.steps[name] = value == nil and vim.NIL or value
end

function D.input(keys)
  vim.api.nvim_input(keys)
end

--- Types `text` one key at a time, like a user, pausing `gap_ms` between keys.
function D.type(text, gap_ms)
  for ch in text:gmatch(".") do
    vim.api.nvim_input(ch == "<" and "<lt>" or ch)
    D.sleep(gap_ms or 5)
  end
end

function D.lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr or 0, 0, -1, false)
end

function D.mode()
  return vim.api.nvim_get_mode().mode
end

function D.client(bufnr)
  return require("codestral.util").clients(bufnr or 0)[1]
end

--- Waits for a codestral client to be attached to `bufnr` and initialized.
function D.wait_client(bufnr, ms)
  return D.wait(ms or 15000, function()
    local c = D.client(bufnr)
    return c and c.initialized ~= false and c.server_capabilities and c
  end, "the codestral client to attach and initialize")
end

--- Runs `fn` as the scenario. A watchdog ends the run after cfg.timeout_ms.
--- Waits for a floating window (whose buffer passes `accept`, if given), closes it, and
--- returns its buffer's text and buffer.
function D.float_text(what, accept)
  local found = D.wait(15000, function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      local c = vim.api.nvim_win_get_config(win)
      local b = vim.api.nvim_win_get_buf(win)
      if c.relative and c.relative ~= "" and (accept == nil or accept(b)) then
        return { win = win, buf = b }
      end
    end
  end, what)
  local text = table.concat(vim.api.nvim_buf_get_lines(found.buf, 0, -1, false), "\n")
  vim.api.nvim_win_close(found.win, true)
  return text, found.buf
end

--- <Tab> accepts the suggestion showing on line 2 (which read `line2`), records the line as
--- "after_accept", and leaves insert mode.
function D.accept_line2(buf, line2)
  D.input("<Tab>")
  D.wait(3000, function()
    return D.lines(buf)[2] ~= line2
  end, "the accepted line")
  D.record("after_accept", D.lines(buf)[2])
  D.input("<Esc>")
  D.wait(2000, function()
    return D.mode() == "n"
  end, "normal mode")
end

function D.run(fn)
  vim.defer_fn(function()
    D.results.error = "watchdog: scenario did not finish in " .. (D.cfg.timeout_ms or 60000) .. " ms"
    D.finish()
  end, D.cfg.timeout_ms or 60000)
  vim.schedule(function()
    local co = coroutine.create(function()
      local ok, err = xpcall(fn, debug.traceback)
      if ok then
        D.results.ok = true
      else
        D.results.error = tostring(err)
      end
      D.results.messages = vim.api.nvim_exec2 and vim.api.nvim_exec2("messages", { output = true }).output
        or vim.api.nvim_exec("messages", true)
      D.finish()
    end)
    local ok, err = coroutine.resume(co)
    if not ok then
      D.results.error = tostring(err)
      D.finish()
    end
  end)
end

return D
