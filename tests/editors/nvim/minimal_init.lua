-- Minimal init for the headless editor tests: the plugin from editors/nvim and nothing else.
-- The test writes its parameters as JSON to the file named by $CODESTRAL_NVIM_TEST.
local path = assert(os.getenv("CODESTRAL_NVIM_TEST"), "CODESTRAL_NVIM_TEST is not set")
local fd = assert(io.open(path, "r"))
local cfg = vim.fn.json_decode(fd:read("*a"))
fd:close()
_G.CODESTRAL_TEST = cfg

vim.o.swapfile = false
vim.o.more = false
vim.o.showmode = false
vim.o.shortmess = vim.o.shortmess .. "WIcF"
vim.cmd("filetype on")
vim.cmd("filetype plugin off")
vim.cmd("filetype indent off")
vim.o.autoindent = false
vim.opt.runtimepath:prepend(cfg.plugin_dir)

if cfg.no_autostart then
  vim.g.codestral_no_autostart = 1 -- the user starts it: vim.lsp.enable('codestral')
end
if cfg.no_setup then
  -- The plugin as a user gets it with no setup() call at all.
  return
end
local opts = cfg.setup or {}
if cfg.tcp then
  -- A server already listening (Neovim 0.10+): codestral-ls --tcp --port N.
  opts.cmd = vim.lsp.rpc.connect(cfg.tcp.host, cfg.tcp.port)
end
if cfg.log_file then
  vim.lsp.set_log_level("debug")
end
require("codestral").setup(opts)
