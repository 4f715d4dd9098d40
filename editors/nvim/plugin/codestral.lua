-- codestral.nvim: defines :Codestral (and the older :Codestral* aliases) and starts codestral-ls
-- for matching buffers. Works without setup(); require("codestral").setup({...}) changes options.
if vim.g.loaded_codestral then
  return
end
vim.g.loaded_codestral = 1

if not require("codestral.compat").supported then
  vim.api.nvim_err_writeln("codestral.nvim needs Neovim 0.7 or newer")
  return
end

require("codestral.commands").define()

if vim.g.codestral_no_autostart ~= 1 and vim.g.codestral_no_autostart ~= true then
  require("codestral")._autostart()
end
