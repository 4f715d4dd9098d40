-- No setup() call: plugin/codestral.lua alone starts the server; loading it twice is harmless.
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")

D.run(function()
  D.record("loaded", vim.g.loaded_codestral)
  local plugin_file = vim.api.nvim_get_runtime_file("plugin/codestral.lua", false)[1]
  local ok, err = pcall(vim.cmd, "source " .. vim.fn.fnameescape(plugin_file))
  D.record("second_source_ok", ok)
  D.record("second_source_err", err or vim.NIL)
  D.record("commands", {
    codestral = vim.fn.exists(":Codestral"),
    explain = vim.fn.exists(":CodestralExplain"),
    chat = vim.fn.exists(":CodestralChat"),
    status = vim.fn.exists(":CodestralStatus"),
    toggle = vim.fn.exists(":CodestralToggle"),
  })
  vim.cmd("edit " .. vim.fn.fnameescape(D.cfg.files.py))
  local buf = vim.api.nvim_get_current_buf()
  local client = D.wait_client(buf)
  D.record("cmd", client.config.cmd)
  D.record("init_options", client.config.init_options)
  D.record("mode", require("codestral.config").inline_mode())
  D.record("clients_total", #require("codestral.util").clients(nil))
  -- A second file shares the one client.
  vim.cmd("edit " .. vim.fn.fnameescape(D.cfg.files.py2))
  D.wait_client(vim.api.nvim_get_current_buf())
  D.record("clients_after_second_file", #require("codestral.util").clients(nil))
end)
