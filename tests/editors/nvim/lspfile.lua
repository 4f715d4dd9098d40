-- Neovim 0.11+: lsp/codestral.lua alone. No setup(), no autostart: the user writes
-- vim.lsp.config('codestral', {...}) and vim.lsp.enable('codestral'), as for any server.
-- Also checks :Codestral's completion and two subcommands. 0.11 draws the plugin's ghost text,
-- 0.12 the native inline completion.
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")
local compat = require("codestral.compat")

local function shown(buf)
  if require("codestral.config").inline_mode() == "ghost" then
    return require("codestral.ghost").current(buf)
  end
  local ns = vim.api.nvim_create_namespace("nvim.lsp.inline_completion")
  local m = vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })[1]
  local chunk = m and m[4].virt_text and m[4].virt_text[1]
  return chunk and chunk[1] or nil
end

D.run(function()
  local cfg = D.cfg
  D.record("autostarted", #require("codestral.util").clients(nil))
  local cmd = cfg.setup.cmd
  if cfg.tcp then
    cmd = vim.lsp.rpc.connect(cfg.tcp.host, cfg.tcp.port)
  end
  vim.lsp.config("codestral", { cmd = cmd, settings = { codestral = cfg.setup.settings } })
  vim.lsp.enable("codestral")

  vim.cmd("edit " .. vim.fn.fnameescape(cfg.files.py))
  local buf = vim.api.nvim_get_current_buf()
  local client = D.wait_client(buf)
  D.record("rtp_file", #vim.api.nvim_get_runtime_file("lsp/codestral.lua", true))
  D.record("mode", require("codestral.config").inline_mode())
  D.record("settings", client.config.settings)
  D.record("inline_capability", client.config.capabilities.textDocument.inlineCompletion ~= nil)

  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  D.input("A")
  D.type("    return")
  D.record("ghost1", D.wait(15000, function()
    local t = shown(buf)
    return t and t ~= "" and t
  end, "a suggestion"))
  D.accept_line2(buf, "    return")

  -- :Codestral completes its subcommands and a subcommand's argument.
  D.record("complete_all", vim.fn.getcompletion("Codestral ", "cmdline"))
  D.record("complete_t", vim.fn.getcompletion("Codestral t", "cmdline"))
  D.record("complete_toggle", vim.fn.getcompletion("Codestral toggle ", "cmdline"))
  local cs = require("codestral")
  vim.cmd("Codestral disable")
  D.record("after_disable", cs.enabled)
  vim.cmd("Codestral toggle")
  D.record("after_toggle", cs.enabled)
  local st = compat.request_sync(client, "workspace/executeCommand", { command = "codestral.status" }, 5000, buf)
  D.record("server_status", st and st.result or vim.NIL)
end)
