-- codestral.nvim: starts codestral-ls for matching buffers and defines the user commands.
-- Works without setup(); require("codestral").setup({...}) changes the options.
if vim.g.loaded_codestral then
  return
end
vim.g.loaded_codestral = 1

if vim.fn.has("nvim-0.7") ~= 1 then
  vim.api.nvim_err_writeln("codestral.nvim needs Neovim 0.7 or newer")
  return
end

local function c()
  return require("codestral")
end

local cmd = vim.api.nvim_create_user_command

cmd("CodestralExplain", function(o)
  c().explain(o)
end, { range = "%", nargs = "*", desc = "Explain the selected lines (or the buffer) with Codestral" })

cmd("CodestralChat", function(o)
  c().chat(o)
end, { range = true, nargs = "*", desc = "Ask Codestral a question (about the selection, if any)" })

cmd("CodestralStatus", function()
  c().show_status()
end, { desc = "Show codestral-ls status" })

cmd("CodestralToggle", function(o)
  local arg = o.args
  local on = nil
  if arg == "on" or arg == "enable" then
    on = true
  elseif arg == "off" or arg == "disable" then
    on = false
  end
  c().toggle(on)
end, {
  nargs = "?",
  complete = function()
    return { "on", "off" }
  end,
  desc = "Toggle Codestral completions (optionally: on | off)",
})

cmd("CodestralRestart", function()
  c().restart()
end, { desc = "Restart codestral-ls" })

if vim.g.codestral_no_autostart ~= 1 and vim.g.codestral_no_autostart ~= true then
  c()._autostart()
end
