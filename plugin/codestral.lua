-- The repository root as a Neovim plugin: what lazy.nvim, vim.pack.add (0.12), packer,
-- vim-plug, etc. clone and put on 'runtimepath'. The plugin itself lives in editors/nvim (beside
-- the server it installs with :Codestral install); this file only adds that folder to
-- 'runtimepath' and loads it, so a plugin manager needs no subfolder option.
if vim.g.codestral_root_shim then
  return
end
vim.g.codestral_root_shim = 1

local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
local dir = root .. "/editors/nvim"
if vim.fn.isdirectory(dir) == 0 then
  return
end
local on_rtp = false
for _, p in ipairs(vim.api.nvim_list_runtime_paths()) do
  if vim.fn.fnamemodify(p, ":p"):gsub("/$", "") == dir then
    on_rtp = true
  end
end
if not on_rtp then
  vim.opt.runtimepath:append(dir)
end
-- :help codestral: the plugin manager makes help tags for <root>/doc only.
if vim.fn.filereadable(dir .. "/doc/tags") == 0 and vim.fn.filewritable(dir .. "/doc") == 2 then
  pcall(vim.cmd, "silent! helptags " .. vim.fn.fnameescape(dir .. "/doc"))
end
-- Sourced directly: `:runtime plugin/codestral.lua` would find this file again.
vim.cmd("source " .. vim.fn.fnameescape(dir .. "/plugin/codestral.lua"))
