-- Neovim 0.12+: native vim.lsp.inline_completion with the plugin's mappings.
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")
local ns = vim.api.nvim_create_namespace("nvim.lsp.inline_completion")

local function ghost(buf)
  local marks = vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })
  local m = marks[1]
  if not m then
    return nil
  end
  local d = m[4]
  local parts = {}
  for _, chunk in ipairs(d.virt_text or {}) do
    table.insert(parts, chunk[1])
  end
  return table.concat(parts), d.virt_text_pos
end

D.run(function()
  vim.cmd("edit " .. vim.fn.fnameescape(D.cfg.files.py))
  local buf = vim.api.nvim_get_current_buf()
  local t0 = D.now_ms()
  local client = D.wait_client(buf)
  D.record("attach_ms", math.floor(D.now_ms() - t0))
  D.record("mode", require("codestral.config").inline_mode())
  D.record("offset_encoding", client.offset_encoding)
  D.record("enabled", client._enabled_capabilities and client._enabled_capabilities.inline_completion == true)

  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  D.input("A")
  D.type("    return")
  t0 = D.now_ms()
  local text, pos = D.wait(15000, function()
    local t = ghost(buf)
    return t and t ~= "" and t
  end, "native ghost text")
  D.record("ghost_ms", math.floor(D.now_ms() - t0))
  D.record("ghost1", text)
  D.record("ghost1_pos", select(2, ghost(buf)) or vim.NIL)
  D.accept_line2(buf, "    return")

  -- Accept a word of the next suggestion.
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "" })
  local last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_win_set_cursor(0, { last, 0 })
  D.input("A")
  D.type("    return")
  D.wait(15000, function()
    local t = ghost(buf)
    return t and t ~= ""
  end, "native ghost text (2)")
  D.input("<M-Right>")
  D.wait(3000, function()
    return D.lines(buf)[last] ~= "    return"
  end, "the accepted word")
  D.record("after_word", D.lines(buf)[last])
  D.input("<Esc>")
  D.wait(2000, function()
    return D.mode() == "n"
  end, "normal mode")
  D.record("statusline", require("codestral").statusline())
  local st = client:request_sync("workspace/executeCommand", { command = "codestral.status" }, 5000, buf)
  D.record("server_status", st and st.result or vim.NIL)
end)
