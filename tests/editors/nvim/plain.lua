-- Neovim 0.7+: plain LSP interop without ghost text. request_sync for inline completion,
-- <C-x><C-o> (the LSP omnifunc) for textDocument/completion, :CodestralExplain in a float.
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")
local util = require("codestral.util")

local function item_text(item)
  if not item then
    return nil
  end
  local t = item.insertText
  if type(t) == "table" then
    t = t.value
  end
  return t
end

D.run(function()
  local cfg = D.cfg
  vim.cmd("edit " .. vim.fn.fnameescape(cfg.files.py))
  local buf = vim.api.nvim_get_current_buf()
  local t0 = D.now_ms()
  local client = D.wait_client(buf)
  D.record("attach_ms", math.floor(D.now_ms() - t0))
  D.record("mode", require("codestral.config").inline_mode())
  D.record("offset_encoding", client.offset_encoding)
  local caps = client.server_capabilities
  D.record("server_capabilities", {
    inline = caps.inlineCompletionProvider ~= nil,
    completion = caps.completionProvider ~= nil,
    commands = caps.executeCommandProvider and caps.executeCommandProvider.commands or vim.NIL,
  })
  D.record("omnifunc", vim.bo[buf].omnifunc)

  -- 1. textDocument/inlineCompletion by hand (line 2 holds "    return" + a multi-byte char
  --    earlier in the line would shift UTF-16 vs UTF-8: keep ASCII here).
  vim.api.nvim_buf_set_lines(buf, 1, 2, false, { "    return" })
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = 1, character = 10 },
    context = { triggerKind = 1 },
  }
  t0 = D.now_ms()
  local resp, err = util.request_sync(client, "textDocument/inlineCompletion", params, 10000, buf)
  D.record("inline_ms", math.floor(D.now_ms() - t0))
  D.record("inline_error", err or (resp and resp.err) or vim.NIL)
  local result = resp and resp.result
  local items = result and (result.items or result) or {}
  D.record("inline_text", item_text(items[1]) or vim.NIL)
  D.record("inline_command", items[1] and items[1].command or vim.NIL)

  -- 2. textDocument/completion by hand (invoked).
  local cparams = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = 1, character = 10 },
    context = { triggerKind = 1 },
  }
  resp, err = util.request_sync(client, "textDocument/completion", cparams, 10000, buf)
  local cres = resp and resp.result
  local citems = cres and (cres.items or cres) or {}
  local first = citems[1]
  D.record("completion_error", err or (resp and resp.err) or vim.NIL)
  D.record("completion_item", first and {
    label = first.label,
    insertText = first.insertText or vim.NIL,
    textEdit = first.textEdit or vim.NIL,
    filterText = first.filterText or vim.NIL,
    insertTextFormat = first.insertTextFormat or vim.NIL,
  } or vim.NIL)

  -- 3. <C-x><C-o> in insert mode: the omnifunc asks the server and inserts the first item.
  vim.api.nvim_win_set_cursor(0, { 2, 10 })
  D.input("A<C-x><C-o>")
  local ok_omni = pcall(D.wait, 10000, function()
    return D.lines(buf)[2] ~= "    return"
  end, "the omnifunc completion to be inserted")
  D.record("omni_line", D.lines(buf)[2])
  D.record("omni_inserted", ok_omni)
  D.input("<C-y><Esc>")
  D.wait(2000, function()
    return D.mode() == "n"
  end, "normal mode")

  -- 4. :CodestralExplain on lines 1-2 shows the server's Markdown in a float.
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "def add(a, b):", "    return a + b" })
  vim.cmd("1,2CodestralExplain")
  local explain_text, float_buf = D.float_text("the explain float", function(b)
    return vim.bo[b].filetype == "markdown"
  end)
  D.record("explain_text", explain_text)
  D.record("explain_float_clients", #util.clients(float_buf))

  -- 4b. :CodestralChat {question} about lines 1-2.
  vim.cmd("1,2CodestralChat what does this do?")
  D.record("chat_text", (D.float_text("the chat float")))

  -- 5. :CodestralStatus shows the server's status object.
  vim.cmd("CodestralStatus")
  D.record("status_text", (D.float_text("the status float")))

  -- 6. :CodestralToggle tells the server (workspace/didChangeConfiguration).
  local cs = require("codestral")
  vim.cmd("CodestralToggle")
  D.record("enabled_after_toggle", cs.enabled)
  D.record("statusline_off", cs.statusline())
  -- The server answers the new settings with a codestral/status notification.
  local ok_disabled = pcall(D.wait, 5000, function()
    return (cs.status[client.id] or {}).state == "disabled"
  end, "codestral/status disabled")
  D.record("server_said_disabled", ok_disabled)
  vim.cmd("CodestralToggle on")
  pcall(D.wait, 5000, function()
    return (cs.status[client.id] or {}).state == "ready"
  end, "codestral/status ready")
  D.record("statusline", cs.statusline())
  D.record("status_notification", require("codestral").status[client.id] or vim.NIL)

  -- 7. A secret file: the server refuses it, whether or not the plugin attached.
  vim.cmd("edit " .. vim.fn.fnameescape(cfg.files.env))
  local envbuf = vim.api.nvim_get_current_buf()
  if vim.bo[envbuf].filetype == "" then
    vim.bo[envbuf].filetype = "sh"
  end
  local envclient = D.wait_client(envbuf)
  resp = util.request_sync(envclient, "textDocument/inlineCompletion", {
    textDocument = { uri = vim.uri_from_bufnr(envbuf) },
    position = { line = 0, character = 3 },
    context = { triggerKind = 1 },
  }, 10000, envbuf)
  result = resp and resp.result
  D.record("env_items", #(result and (result.items or result) or {}))
end)
