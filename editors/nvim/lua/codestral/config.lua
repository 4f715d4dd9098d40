-- Options of the codestral.nvim plugin: defaults, merging, and which buffers to attach to.
-- `setup()` only merges the user's table over these defaults; nothing here starts anything.
local M = {}

---@class codestral.Keymaps
---@field accept string|string[]|false       accept the whole suggestion (falls back to the key)
---@field accept_word string|string[]|false  accept the next word of the suggestion
---@field accept_line string|string[]|false  accept the rest of the suggestion's current line
---@field dismiss string|string[]|false      hide the suggestion until the next edit
---@field trigger string|string[]|false      ask for a suggestion now
---@field next string|string[]|false         next candidate (Neovim 0.12 native mode only)
---@field prev string|string[]|false         previous candidate (Neovim 0.12 native mode only)

M.defaults = {
  -- Command that starts the server: a list, or (Neovim 0.10+) a function such as
  -- `vim.lsp.rpc.connect("127.0.0.1", 2087)` for a server already serving TCP. nil: codestral-ls
  -- on PATH, else the one :Codestral install made (see M.server_cmd).
  cmd = nil,
  -- Start the server automatically for matching buffers (from plugin/codestral.lua).
  autostart = true,
  -- The `codestral` settings section of the server (see :h codestral-settings). Sent as
  -- `init_options = { codestral = settings }` and answered to `workspace/configuration`.
  settings = {},
  -- NAME of the environment variable holding the provider key (never the key itself). When it
  -- is not CODESTRAL_API_KEY, its value is passed to the server as CODESTRAL_API_KEY.
  api_key_env = "CODESTRAL_API_KEY",
  -- Filetypes to attach to; nil means every filetype.
  filetypes = nil,
  -- Filetypes never attached to.
  disabled_filetypes = { "TelescopePrompt", "help", "gitcommit", "gitrebase", "oil", "netrw" },
  -- Lua patterns (matched against the file's base name and its path) of files the plugin never
  -- attaches to at all. Not needed for secrets: the server refuses secret files (.env, keys,
  -- credentials, *.tfvars...) by itself and reports its list in :checkhealth codestral; add
  -- globs of your own there with settings.completion.exclude. Both lists are added together.
  exclude = {},
  exclude_extra = {},
  -- How suggestions are shown:
  --   "auto"   native `vim.lsp.inline_completion` on Neovim 0.12+, the plugin's own ghost text
  --            on 0.10/0.11 (and 0.8/0.9 with overlay text), none on 0.7 (omnifunc only)
  --   "native" | "ghost" | "none"
  inline = "auto",
  ghost = {
    debounce_ms = 75, -- wait after the last keystroke before asking (the server debounces too)
    auto_trigger = true, -- ask while typing; false: only on the `trigger` key
    hl_group = "CodestralGhost", -- linked to Comment unless defined
  },
  -- Set 'omnifunc' to the LSP omnifunc in attached buffers where it is empty (Neovim < 0.10
  -- does not do it by itself): <C-x><C-o> then offers Codestral's suggestion as an item.
  omnifunc = true,
  -- Insert-mode keys, buffer-local in attached buffers. false disables one.
  keymaps = {
    accept = { "<Tab>", "<M-l>" },
    accept_word = "<M-Right>",
    accept_line = "<M-C-Right>",
    dismiss = "<C-]>",
    trigger = "<M-\\>",
    next = "<M-]>",
    prev = "<M-[>",
  },
  -- Floating windows of :Codestral explain / chat / status.
  float = { border = "rounded", max_width = 100, max_height = 40 },
  -- Seconds to wait for `codestral-ls check` in :checkhealth.
  health_timeout = 20,
}

M.options = vim.deepcopy(M.defaults)
M.configured = false

--- Merges `opts` over the defaults (lists are replaced, not appended).
---@param opts table|nil
function M.set(opts)
  opts = opts or {}
  local expected = {
    cmd = { table = true, ["function"] = true },
    settings = { table = true },
    api_key_env = { string = true },
    filetypes = { table = true },
    exclude = { table = true },
    exclude_extra = { table = true },
    keymaps = { table = true },
    ghost = { table = true },
  }
  for key, types in pairs(expected) do
    if opts[key] ~= nil and not types[type(opts[key])] then
      error(("codestral.setup: option %q has type %s"):format(key, type(opts[key])), 3)
    end
  end
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts)
  -- Lists are replaced whole rather than merged index by index.
  for _, key in ipairs({ "cmd", "filetypes", "disabled_filetypes", "exclude", "exclude_extra" }) do
    if opts[key] ~= nil then
      M.options[key] = opts[key]
    end
  end
  if opts.keymaps then
    for k, v in pairs(opts.keymaps) do
      M.options.keymaps[k] = v
    end
  end
  M.configured = true
  return M.options
end

--- The `codestral` settings table sent to the server, with `completion.enable` reflecting
--- the current toggle.
---@param enabled boolean|nil
function M.server_settings(enabled)
  local s = vim.deepcopy(M.options.settings or {})
  if enabled ~= nil then
    s.completion = s.completion or {}
    s.completion.enable = enabled
  end
  return s
end

--- True when the file name matches one of the exclusion patterns.
---@param path string
function M.is_excluded(path)
  if not path or path == "" then
    return false
  end
  local name = vim.fn.fnamemodify(path, ":t")
  local lists = { M.options.exclude or {}, M.options.exclude_extra or {} }
  for _, list in ipairs(lists) do
    for _, pat in ipairs(list) do
      if name:find(pat) or path:find(pat) then
        return true
      end
    end
  end
  return false
end

--- Whether the plugin may attach to `bufnr` at all.
---@param bufnr integer
---@return boolean ok, string|nil why_not
function M.buffer_allowed(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return false, "invalid buffer"
  end
  if vim.bo[bufnr].buftype ~= "" then
    return false, "special buffer"
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if M.is_excluded(name) then
    return false, "excluded file"
  end
  local ft = vim.bo[bufnr].filetype
  local o = M.options
  if o.filetypes and not vim.tbl_contains(o.filetypes, ft) then
    return false, "filetype not enabled"
  end
  if o.disabled_filetypes and vim.tbl_contains(o.disabled_filetypes, ft) then
    return false, "filetype disabled"
  end
  return true
end

--- Environment for the server process: the key under the name the server reads.
function M.cmd_env()
  local name = M.options.api_key_env
  if name and name ~= "" and name ~= "CODESTRAL_API_KEY" then
    local value = os.getenv(name)
    if value and value ~= "" then
      return { CODESTRAL_API_KEY = value }
    end
  end
  return nil
end

--- The server command and where it comes from, in this order of precedence:
---   "cmd"        setup({ cmd = ... })
---   "PATH"       codestral-ls on PATH (pipx, pip, a venv on PATH...)
---   "installed"  the server :Codestral install made under stdpath("data")
---   "missing"    none of these: { "codestral-ls" }, which will not start
--- (A cmd given with vim.lsp.config('codestral', ...) beats them all: see codestral.server().)
---@return table|function cmd, string source
function M.server_cmd()
  if M.options.cmd ~= nil then
    return M.options.cmd, "cmd"
  end
  if vim.fn.executable("codestral-ls") == 1 then
    return { "codestral-ls" }, "PATH"
  end
  local install = require("codestral.install")
  if install.installed() then
    return { install.server_path() }, "installed"
  end
  return { "codestral-ls" }, "missing"
end

--- Which way suggestions are shown on this Neovim.
---@return "native"|"ghost"|"none"
function M.inline_mode()
  local compat = require("codestral.compat")
  local mode = M.options.inline
  if mode == "native" then
    mode = compat.native_inline and "native" or "ghost" -- "native" on 0.11 means the closest
  end
  if mode == "ghost" then
    return compat.ghost and "ghost" or "none"
  elseif mode == "none" or mode == false then
    return "none"
  end
  if compat.native_inline then
    return "native"
  end
  return compat.ghost and "ghost" or "none"
end

return M
