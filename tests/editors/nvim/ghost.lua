-- Neovim 0.10/0.11: the plugin's own ghost text, driven through real insert mode.
-- cfg.files: { py = <python file>, env = <.env file>, pem = <key file> }
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")
local ghost = require("codestral.ghost")

local function extmarks(bufnr)
  local out = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, ghost.ns, 0, -1, { details = true })) do
    local d = m[4]
    local virt_lines = {}
    for _, vl in ipairs(d.virt_lines or {}) do
      table.insert(virt_lines, vl[1] and vl[1][1] or "")
    end
    table.insert(out, {
      row = m[2],
      col = m[3],
      virt_text = d.virt_text and d.virt_text[1] and d.virt_text[1][1] or vim.NIL,
      virt_text_pos = d.virt_text_pos or vim.NIL,
      hl = d.virt_text and d.virt_text[1] and d.virt_text[1][2] or vim.NIL,
      virt_lines = virt_lines,
    })
  end
  return out
end

D.run(function()
  local cfg = D.cfg
  -- 1. A Python file: the client attaches with ghost text mode.
  vim.cmd("edit " .. vim.fn.fnameescape(cfg.files.py))
  local buf = vim.api.nvim_get_current_buf()
  local t0 = D.now_ms()
  local client = D.wait_client(buf)
  D.record("attach_ms", math.floor(D.now_ms() - t0))
  D.record("mode", require("codestral.config").inline_mode())
  D.record("offset_encoding", client.offset_encoding)
  D.record("inline_provider", client.server_capabilities.inlineCompletionProvider ~= nil)

  -- 2. Type "    return" on the empty line 2: the fake answers " a + b".
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  D.input("A")
  D.wait(2000, function()
    return D.mode() == "i"
  end, "insert mode")
  D.type("    return")
  t0 = D.now_ms()
  D.wait(10000, function()
    return ghost.current(buf) == " a + b"
  end, "ghost text ' a + b'")
  D.record("ghost_ms", math.floor(D.now_ms() - t0))
  D.record("ghost1", ghost.current(buf))
  D.record("extmarks1", extmarks(buf))
  D.record("mode1", D.mode())

  -- 3. <Tab> accepts the whole suggestion.
  D.input("<Tab>")
  D.wait(3000, function()
    return D.lines(buf)[2] == "    return a + b"
  end, "the accepted line")
  D.record("after_accept", D.lines(buf))
  D.record("cursor_after_accept", vim.api.nvim_win_get_cursor(0))

  -- 4. Dismiss, then <Esc> leaves insert mode and clears.
  D.input("<Esc>")
  D.wait(2000, function()
    return D.mode() == "n"
  end, "normal mode")
  D.wait(2000, function()
    return #extmarks(buf) == 0
  end, "ghost cleared on InsertLeave")

  -- 5. A multi-line suggestion: accept word, word, line, line.
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "" })
  local last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_win_set_cursor(0, { last, 0 })
  D.input("A")
  D.wait(2000, function()
    return D.mode() == "i"
  end, "insert mode")
  D.type("result = ")
  D.wait(10000, function()
    local g = ghost.current(buf)
    return g and g:find("\n", 1, true)
  end, "a multi-line ghost text")
  D.record("ghost2", ghost.current(buf))
  D.record("extmarks2", extmarks(buf))
  local reqs_before = ghost.states[buf].requests
  local before = require("codestral.util").request_sync(
    client,
    "workspace/executeCommand",
    { command = "codestral.status" },
    5000,
    buf
  )
  D.record("server_status_before_partial", before.result.acceptance.acceptedChars)

  D.input("<M-Right>") -- accept word
  D.wait(3000, function()
    return D.lines(buf)[last] == "result = compute"
  end, "first accepted word")
  D.record("after_word1", D.lines(buf)[last])
  D.record("ghost_after_word1", ghost.current(buf))
  D.input("<M-Right>")
  D.wait(3000, function()
    return D.lines(buf)[last] == "result = compute("
  end, "second accepted word")
  D.input("<M-C-Right>") -- accept the rest of the line
  D.wait(3000, function()
    return D.lines(buf)[last] == "result = compute(x, y)"
  end, "accepted line")
  D.record("ghost_after_line", ghost.current(buf))
  -- The partial accepts so far reached the server (codestral.partialAccept).
  local partial = require("codestral.util").request_sync(
    client,
    "workspace/executeCommand",
    { command = "codestral.status" },
    5000,
    buf
  )
  D.record("partial_status", partial and partial.result and partial.result.acceptance or vim.NIL)
  D.record("extmarks_after_line", extmarks(buf))
  D.input("<M-C-Right>") -- the next line
  D.wait(3000, function()
    return D.lines(buf)[last + 1] == "print(result)"
  end, "accepted second line")
  D.record("partial_requests", ghost.states[buf].requests - reqs_before)
  D.record("after_lines", D.lines(buf))
  D.input("<Esc>")
  D.wait(2000, function()
    return D.mode() == "n"
  end, "normal mode")

  -- 5b. Typing a multi-line suggestion through, Enter included: its later lines stay on screen
  --     (what the plugin shows right after each TextChangedI, before any answer can arrive).
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "" })
  last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_win_set_cursor(0, { last, 0 })
  D.input("A")
  D.wait(2000, function()
    return D.mode() == "i"
  end, "insert mode")
  D.type("result = ")
  D.wait(10000, function()
    return ghost.current(buf) == "compute(x, y)\nprint(result)"
  end, "the multi-line ghost text again")
  local seen = {}
  local watch = vim.api.nvim_create_autocmd("TextChangedI", {
    buffer = buf,
    callback = function()
      table.insert(seen, ghost.current(buf) or vim.NIL)
    end,
  })
  D.type("compute(x, y)")
  D.input("<CR>")
  D.wait(3000, function()
    return vim.api.nvim_win_get_cursor(0)[1] == last + 1
  end, "the line break")
  vim.api.nvim_del_autocmd(watch)
  D.record("ghost_typed_through", seen)
  D.input("<Esc>")
  D.wait(2000, function()
    return D.mode() == "n"
  end, "normal mode")

  -- 6. A stale answer is never shown: the fake answers "...slow" after 1.5 s; typing on
  --    cancels that request ($/cancelRequest) and only the newer suggestion appears.
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "" })
  last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_win_set_cursor(0, { last, 0 })
  local s = ghost.states[buf]
  local sent, cancelled = s.requests, s.cancelled
  D.input("A")
  D.type("x = slow")
  D.wait(5000, function()
    return s.requests > sent and s.req_id ~= nil
  end, "the slow request in flight")
  D.sleep(100)
  D.type("er")
  D.wait(10000, function()
    return ghost.current(buf) ~= nil
  end, "the ghost text after the slow one")
  D.record("after_stale_ghost", ghost.current(buf))
  D.sleep(1700) -- past the slow answer: it must not replace the newer suggestion
  D.record("after_stale_ghost_later", ghost.current(buf) or vim.NIL)
  D.record("stale_cancelled", s.cancelled - cancelled)
  D.input("<Esc>")
  D.wait(2000, function()
    return D.mode() == "n"
  end, "normal mode")

  -- 6b. A multi-line answer streaming slowly: its first line is on screen before the answer
  --     ends, then (codestral/suggestionUpdated, asked again) the whole, with no gap between.
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "" })
  last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_win_set_cursor(0, { last, 0 })
  D.input("A")
  local grow_sent = s.requests
  local grow_seen = {}
  local grow_timer = vim.loop.new_timer()
  local grow_sampling = true
  grow_timer:start(0, 5, vim.schedule_wrap(function()
    -- A sample already scheduled when the timer stops still runs: it must not record the
    -- <Esc> below clearing the ghost text.
    if not grow_sampling then
      return
    end
    local now = ghost.current(buf) or vim.NIL
    if grow_seen[#grow_seen] ~= now then
      table.insert(grow_seen, now)
    end
  end))
  D.type("grown = ")
  D.wait(10000, function()
    return ghost.current(buf) == "compute(x, y)\nprint(grown)\nprint(x)"
  end, "the whole grown suggestion")
  D.sleep(50)
  grow_sampling = false
  grow_timer:stop()
  grow_timer:close()
  D.record("grow_seen", grow_seen)
  D.record("grow_requests", s.requests - grow_sent)
  D.input("<Esc>")
  D.wait(2000, function()
    return D.mode() == "n"
  end, "normal mode")

  -- 7. Dismiss with <C-]>.
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "" })
  last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_win_set_cursor(0, { last, 0 })
  D.input("A")
  D.type("    return")
  D.wait(10000, function()
    return ghost.current(buf) ~= nil
  end, "ghost text before dismiss")
  D.input("<C-]>")
  D.wait(2000, function()
    return ghost.current(buf) == nil and #extmarks(buf) == 0
  end, "dismissed")
  D.sleep(300)
  D.record("after_dismiss_ghost", ghost.current(buf) or vim.NIL)
  D.input("<Esc>")
  D.wait(2000, function()
    return D.mode() == "n"
  end, "normal mode")
  D.record("statusline", require("codestral").statusline())
  -- The server counted the whole accept (the item's codestral.acceptCompletion command).
  local st = require("codestral.util").request_sync(
    client,
    "workspace/executeCommand",
    { command = "codestral.status" },
    5000,
    buf
  )
  D.record("server_status", st and st.result or vim.NIL)
  -- :Codestral inspect 2: the last requests in a scratch buffer.
  local commands = require("codestral.commands")
  commands.last_inspect = nil
  vim.cmd("Codestral inspect 2")
  D.wait(5000, function()
    return commands.last_inspect ~= nil
  end, "the inspect buffer")
  local ib = commands.last_inspect.buf
  D.record("inspect_text", table.concat(vim.api.nvim_buf_get_lines(ib, 0, -1, false), "\n"))
  D.record("inspect_buftype", vim.bo[ib].buftype)
  D.record("inspect_is_current", vim.api.nvim_get_current_buf() == ib)
  vim.cmd("close")

  -- 8. Secret files: the server refuses them (the plugin no longer keeps its own list), so no
  --    suggestion is shown and nothing of theirs is sent upstream.
  local excluded = {}
  for _, key in ipairs({ "env", "pem" }) do
    vim.cmd("edit " .. vim.fn.fnameescape(cfg.files[key]))
    local b = vim.api.nvim_get_current_buf()
    if vim.bo[b].filetype == "" then
      vim.bo[b].filetype = "sh" -- make sure the FileType path runs
    end
    D.input("GA")
    D.type("SECRET_TOKEN=abc")
    D.sleep(600)
    D.input("<Esc>")
    D.sleep(50)
    excluded[key] = {
      filetype = vim.bo[b].filetype,
      clients = #require("codestral.util").clients(b),
      ghost_state = ghost.states[b] ~= nil,
      ghost = ghost.current(b) or vim.NIL,
    }
  end
  D.record("excluded", excluded)
  vim.cmd("silent! wall")
end)
