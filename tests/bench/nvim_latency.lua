-- Keystroke-to-ghost-text in real Neovim (tests/bench/bench_editor_nvim.py writes cfg.plan):
-- types the plan's keys with their human gaps through real insert mode, and records every
-- change of the ghost text (the plugin's extmark, or the native inline completion's) with a
-- 1 ms poll, plus the time of each key. At the end: accept cycles (accept the suggestion shown,
-- time the next one at the new cursor). Times are uv.hrtime() in ms.
-- The server is reached over TCP only because Neovim runs in a chroot; editors launch it over a
-- stdio pipe, which has no Nagle delay. Without TCP_NODELAY on Neovim's socket a didChange +
-- inlineCompletion pair waits ~40 ms on the server's delayed ACK: not ours to measure.
local new_tcp = vim.uv.new_tcp
vim.uv.new_tcp = function(...)
  local handle = new_tcp(...)
  if handle then
    pcall(handle.nodelay, handle, true)
  end
  return handle
end
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")
local uv = vim.uv or vim.loop
local cfg = D.cfg
local plan = cfg.plan
local native = cfg.setup.inline == "native"
local ns = vim.api.nvim_create_namespace(native and "nvim.lsp.inline_completion" or "codestral_ghost")

local function ghost(buf)
  local marks = vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })
  if #marks == 0 then
    return nil
  end
  local parts = {}
  for _, m in ipairs(marks) do
    local d = m[4]
    for _, chunk in ipairs(d.virt_text or {}) do
      table.insert(parts, chunk[1])
    end
    for _, line in ipairs(d.virt_lines or {}) do
      local l = {}
      for _, chunk in ipairs(line) do
        table.insert(l, chunk[1])
      end
      table.insert(parts, "\n" .. table.concat(l))
    end
  end
  local text = table.concat(parts)
  return text ~= "" and text or nil
end

local function keys_for(text)
  local k = text:gsub("<", "<lt>"):gsub("\t", "<C-v><Tab>"):gsub("\n", "<CR>")
  return k
end

D.run(function()
  vim.cmd("edit " .. vim.fn.fnameescape(plan.file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].expandtab = false
  D.wait_client(buf)
  local events, last = {}, nil
  local timer = uv.new_timer()
  timer:start(0, 1, vim.schedule_wrap(function()
    local t = ghost(buf)
    if t ~= last then
      table.insert(events, { uv.hrtime() / 1e6, t or vim.NIL })
      last = t
    end
  end))
  local lines = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_win_set_cursor(0, { lines, 0 })
  D.input("A")
  D.sleep(300)
  local key_times = {}
  local next_t = uv.hrtime() / 1e6
  for _, key in ipairs(plan.keys) do
    next_t = next_t + key.gap_ms
    local wait = next_t - uv.hrtime() / 1e6
    if wait > 0 then
      D.sleep(math.floor(wait))
    end
    vim.api.nvim_input(keys_for(key.text))
    table.insert(key_times, uv.hrtime() / 1e6)
  end
  D.sleep(1500)
  local client0 = D.client(buf)
  local typing = client0:request_sync("workspace/executeCommand", { command = "codestral.status" }, 5000, buf)
  D.record("status_typing", typing and typing.result or vim.NIL)
  -- Accept cycles: accept what is shown, then time the suggestion at the new cursor.
  local accepts = {}
  for _ = 1, plan.accepts or 0 do
    local found, shown = pcall(D.wait, 3000, function()
      return ghost(buf)
    end, "a suggestion to accept")
    if not found then
      break -- the true continuation here is a blank line: nothing to accept
    end
    D.sleep(300) -- the user reads it
    local before = vim.api.nvim_buf_get_changedtick(buf)
    D.input("<Tab>")
    local t_accept = uv.hrtime() / 1e6
    D.wait(2000, function()
      return vim.api.nvim_buf_get_changedtick(buf) ~= before
    end, "the accept")
    local ok, _ = pcall(D.wait, 3000, function()
      local t = ghost(buf)
      return t and t ~= shown
    end, "the next suggestion")
    -- When it became visible: from the 1 ms poll's timeline, not this 20 ms wait.
    local t_next
    for _, e in ipairs(events) do
      if e[1] >= t_accept and e[2] ~= vim.NIL and e[2] ~= shown then
        t_next = e[1]
        break
      end
    end
    table.insert(accepts, { shown = shown, ms = (ok and t_next) and (t_next - t_accept) or vim.NIL })
  end
  timer:stop()
  D.input("<Esc>")
  D.record("events", events)
  D.record("key_times", key_times)
  D.record("accepts", accepts)
  local client = D.client(buf)
  local st = client:request_sync("workspace/executeCommand", { command = "codestral.status" }, 5000, buf)
  D.record("server_status", st and st.result or vim.NIL)
  D.record("text", table.concat(D.lines(buf), "\n"))
end)
