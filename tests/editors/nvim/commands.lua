-- :Codestral {subcommand} with completion, and the older :Codestral* aliases (Neovim 0.7+).
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")

D.run(function()
  D.record("complete_all", vim.fn.getcompletion("Codestral ", "cmdline"))
  D.record("complete_e", vim.fn.getcompletion("Codestral e", "cmdline"))
  D.record("complete_toggle", vim.fn.getcompletion("Codestral toggle o", "cmdline"))
  D.record("complete_range", vim.fn.getcompletion("1,2Codestral ch", "cmdline"))
  D.record("aliases", {
    explain = vim.fn.exists(":CodestralExplain"),
    chat = vim.fn.exists(":CodestralChat"),
    status = vim.fn.exists(":CodestralStatus"),
    toggle = vim.fn.exists(":CodestralToggle"),
    restart = vim.fn.exists(":CodestralRestart"),
  })

  vim.cmd("edit " .. vim.fn.fnameescape(D.cfg.files.py))
  local buf = vim.api.nvim_get_current_buf()
  local client = D.wait_client(buf)
  local cs = require("codestral")

  vim.cmd("Codestral disable")
  D.record("after_disable", cs.enabled)
  vim.cmd("Codestral enable")
  D.record("after_enable", cs.enabled)
  vim.cmd("Codestral toggle off")
  D.record("after_toggle_off", cs.enabled)
  vim.cmd("CodestralToggle on")
  D.record("after_alias_on", cs.enabled)

  vim.cmd("Codestral")
  D.record("bare_text", D.float_text("the status float (no subcommand)"))
  vim.cmd("Codestral status")
  D.record("status_text", D.float_text("the status float"))

  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "def add(a, b):", "    return a + b" })
  vim.cmd("1,2Codestral explain")
  D.record("explain_text", D.float_text("the explain float"))
  vim.cmd("1,2Codestral chat what does this do?")
  D.record("chat_text", D.float_text("the chat float"))

  local ok, err = pcall(vim.cmd, "Codestral bogus")
  D.record("bogus_ok", ok)
  D.record("bogus_messages", tostring(err) .. "\n" .. vim.fn.execute("messages"))
  D.record("client_id", client.id)
end)
