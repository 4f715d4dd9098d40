-- Init for the install scenario: the plugin as a user installs it from a clone of the
-- repository (cfg.repo), with no codestral-ls anywhere: vim.pack.add on 0.12, the clone on
-- 'runtimepath' before it (what lazy.nvim and others do). Nothing of editors/nvim is named here:
-- the repository root's plugin/codestral.lua must find it.
local path = assert(os.getenv("CODESTRAL_NVIM_TEST"), "CODESTRAL_NVIM_TEST is not set")
local fd = assert(io.open(path, "r"))
local cfg = vim.fn.json_decode(fd:read("*a"))
fd:close()
_G.CODESTRAL_TEST = cfg

vim.o.swapfile = false
vim.o.more = false
vim.o.shortmess = vim.o.shortmess .. "WIcF"
vim.cmd("filetype on")
vim.o.autoindent = false

-- Every message the plugin shows, in order (vim.notify is how it talks).
_G.CODESTRAL_NOTES = {}
local notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(_G.CODESTRAL_NOTES, { msg = tostring(msg), level = level or vim.log.levels.INFO })
  return notify(msg, level, opts)
end

if cfg.via == "vim.pack" then
  vim.pack.add({ "file://" .. cfg.repo }, { confirm = false })
else
  vim.opt.runtimepath:append(cfg.repo)
end
-- lazy.nvim's `opts = {...}` does this: settings for the fake upstream.
vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  callback = function()
    require("codestral").setup(cfg.setup)
  end,
})
