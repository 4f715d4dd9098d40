-- codestral.nvim: Neovim client for codestral-ls (Codestral fill-in-the-middle ghost text).
--
--   require("codestral").setup({ ... })   -- optional: merges options over the defaults
--
-- The server is started automatically from plugin/codestral.lua (on 0.11+ through
-- lsp/codestral.lua and vim.lsp.enable). See :help codestral.
local compat = require("codestral.compat")
local config = require("codestral.config")
local util = require("codestral.util")

local M = {}

M.version = "0.1.0"
--- Completions on/off (:Codestral toggle). Starts from settings.completion.enable.
M.enabled = true
--- Last `codestral/status` notification per client id: { state = ..., message = ... }.
M.status = {}

local augroup = "codestral"
local registered = false
local user_setup = false -- setup() was called: its options beat lsp/codestral.lua's defaults

--- Merges `opts` over the defaults (see :help codestral-options). Safe to call again.
function M.setup(opts)
  config.set(opts)
  user_setup = true
  local s = config.options.settings or {}
  M.enabled = not (s.completion and s.completion.enable == false)
  if registered or config.options.autostart then
    M._register()
  end
  -- Clients already running get the new settings at once.
  for _, client in ipairs(util.clients(nil)) do
    M._push_settings(client)
  end
  return config.options
end

--- Called by plugin/codestral.lua: autostart with the defaults when setup() was never called.
function M._autostart()
  if not config.configured then
    config.set({})
  end
  if config.options.autostart and not registered then
    M._register()
  end
end

-- The client ------------------------------------------------------------------------------------

local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.textDocument = caps.textDocument or {}
  if config.inline_mode() ~= "none" and not caps.textDocument.inlineCompletion then
    caps.textDocument.inlineCompletion = { dynamicRegistration = false }
  end
  return caps
end

local function on_status(_, result, ctx)
  if type(result) ~= "table" then
    return
  end
  M.status[ctx.client_id] = { state = result.state, message = result.message }
  util.fire("CodestralStatus")
  pcall(vim.cmd, "redrawstatus")
end

-- A suggestion shown before its answer had streamed to the end grew: ask again (ghost.lua).
local function on_suggestion_updated(_, result, ctx)
  if type(result) == "table" then
    require("codestral.ghost").on_updated(ctx.client_id, result)
  end
end

local function buffer_ok(bufnr)
  local ok = config.buffer_allowed(bufnr)
  return ok and vim.bo[bufnr].filetype ~= ""
end

local warned_missing = false
function M._missing_binary(cmd)
  if warned_missing then
    return
  end
  warned_missing = true
  cmd = cmd or config.server_cmd()
  local name = type(cmd) == "table" and cmd[1] or "codestral-ls"
  local fix = name == "codestral-ls"
      and "run :Codestral install (a virtual environment under stdpath('data'), from this plugin's checkout), or set cmd in setup()"
    or "check the cmd you set"
  util.notify_user(
    ("%s not found on PATH: %s; see :checkhealth codestral"):format(name, fix),
    vim.log.levels.WARN
  )
end

-- The cmds this plugin computed itself (config.server_cmd), to tell them from one the user
-- gave with vim.lsp.config('codestral', { cmd = ... }).
local given_cmds = {}
local function cmd_key(cmd)
  return type(cmd) == "table" and table.concat(cmd, "\0") or tostring(cmd)
end

--- The server command in use and where it comes from: "vim.lsp.config" (a cmd given there),
--- else config.server_cmd()'s "cmd" | "PATH" | "installed" | "missing".
function M.server()
  local cmd, source = config.server_cmd()
  if compat.lsp_config and registered then
    local resolved = compat.resolved_config("codestral")
    local rcmd = resolved and resolved.cmd
    if rcmd ~= nil and not given_cmds[cmd_key(rcmd)] then
      return rcmd, "vim.lsp.config"
    end
  end
  return cmd, source
end

local function missing(cmd)
  return type(cmd) == "table" and vim.fn.executable(cmd[1]) ~= 1
end

--- The client configuration shared by every start path.
function M._client_config()
  local settings = config.server_settings(M.enabled)
  local cmd = config.server_cmd()
  given_cmds[cmd_key(cmd)] = true
  return {
    name = "codestral",
    cmd = cmd,
    cmd_env = config.cmd_env(),
    -- The plugin's own ghost text asks again when the server says a suggestion grew, so the
    -- server may show the first lines of a long answer before the rest has streamed.
    init_options = {
      codestral = settings,
      client = { suggestionUpdates = config.inline_mode() == "ghost" },
    },
    settings = { codestral = settings },
    capabilities = capabilities(),
    handlers = {
      ["codestral/status"] = on_status,
      ["codestral/suggestionUpdated"] = on_suggestion_updated,
    },
    on_attach = function(client, bufnr)
      M._on_attach(client, bufnr)
    end,
    on_exit = function(_, _, client_id)
      M.status[client_id] = nil
    end,
  }
end

--- The configuration for vim.lsp.config (Neovim 0.11+), as returned by lsp/codestral.lua.
--- One client serves every buffer: no workspace root, so buffers never split it by project.
function M.lsp_config()
  local cfg = M._client_config()
  cfg.filetypes = config.options.filetypes
  cfg.root_dir = function(bufnr, on_dir)
    if not buffer_ok(bufnr) then
      return
    end
    -- The resolved cmd: the user may have replaced it with vim.lsp.config('codestral', ...).
    local resolved = compat.resolved_config("codestral") or cfg
    if missing(resolved.cmd) then
      return M._missing_binary(resolved.cmd) -- vim.lsp.enable would fail silently per buffer
    end
    on_dir(nil)
  end
  return cfg
end

--- Starts (or reuses) the client for `bufnr` on Neovim 0.7 .. 0.10.
function M._start_buf(bufnr)
  if not buffer_ok(bufnr) or #util.clients(bufnr) > 0 then
    return
  end
  local cfg = M._client_config()
  if missing(cfg.cmd) or (type(cfg.cmd) ~= "table" and not compat.lsp_start) then
    return M._missing_binary()
  end
  compat.start(cfg, bufnr)
end

--- After :Codestral install: start the new server for the buffers waiting for one (unless a
--- configured cmd or one on PATH comes first, as it did before).
function M._server_installed()
  warned_missing = false
  if not registered then
    return
  end
  if compat.lsp_config then
    -- Resolve the configuration again: its cmd is computed when it is resolved.
    local rtp_file = #vim.api.nvim_get_runtime_file("lsp/codestral.lua", false) > 0
    if user_setup or not rtp_file then
      compat.enable_config("codestral", M.lsp_config())
    else
      compat.refresh_config("codestral")
    end
  end
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and #util.clients(bufnr) == 0 then
      if compat.lsp_config then
        compat.reattach_enabled(bufnr)
      else
        M._start_buf(bufnr)
      end
    end
  end
end

--- Registers the automatic start for this Neovim version. Idempotent.
function M._register()
  registered = true
  vim.api.nvim_create_augroup(augroup, { clear = true })

  if compat.lsp_config then
    -- Without setup(), lsp/codestral.lua is the configuration, so that the user's own
    -- vim.lsp.config('codestral', {...}) changes are kept; setup() options replace it.
    local rtp_file = #vim.api.nvim_get_runtime_file("lsp/codestral.lua", false) > 0
    -- Assigned, not merged: a list such as `cmd` must replace the previous one whole.
    compat.enable_config("codestral", (user_setup or not rtp_file) and M.lsp_config() or nil)
    -- vim.lsp.enable skips a config whose cmd is not executable before root_dir runs, with only
    -- a log line: say it here, once, for the first buffer that would have had a client.
    vim.api.nvim_create_autocmd("FileType", {
      group = augroup,
      callback = function(args)
        if buffer_ok(args.buf) then
          local cmd = M.server()
          if missing(cmd) then
            M._missing_binary(cmd)
          end
        end
      end,
    })
    return
  end

  vim.api.nvim_create_autocmd({ "FileType", "BufEnter" }, {
    group = augroup,
    callback = function(args)
      M._start_buf(args.buf)
    end,
  })
  -- Buffers already open when the plugin loads.
  if vim.v.vim_did_enter == 1 then
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        M._start_buf(bufnr)
      end
    end
  end
end

-- Attaching to a buffer ---------------------------------------------------------------------------

local function map(lhs_list, fn, bufnr, desc)
  if not lhs_list then
    return
  end
  if type(lhs_list) == "string" then
    lhs_list = { lhs_list }
  end
  for _, lhs in ipairs(lhs_list) do
    vim.keymap.set("i", lhs, function()
      fn(lhs)
    end, { buffer = bufnr, silent = true, desc = desc })
  end
end

local function feed(lhs)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(lhs, true, false, true), "ni", false)
end

function M._on_attach(client, bufnr)
  if not config.buffer_allowed(bufnr) then
    -- Never keep a client on an excluded buffer (e.g. attached by hand).
    vim.schedule(function()
      pcall(vim.lsp.buf_detach_client, bufnr, client.id)
    end)
    return
  end
  vim.api.nvim_set_hl(0, "CodestralGhost", { link = "Comment", default = true })
  if config.options.omnifunc and vim.bo[bufnr].omnifunc == "" then
    vim.bo[bufnr].omnifunc = "v:lua.vim.lsp.omnifunc"
  end
  local mode = config.inline_mode()
  if not util.supports(client, "textDocument/inlineCompletion", "inlineCompletionProvider") then
    mode = "none"
  end
  local km = config.options.keymaps or {}
  if mode == "native" then
    local native = require("codestral.native")
    native.enable(M.enabled, bufnr, client.id)
    map(km.accept, function(lhs)
      if not (M.enabled and native.accept_all()) then
        feed(lhs)
      end
    end, bufnr, "Codestral: accept suggestion")
    map(km.accept_word, function(lhs)
      if not native.accept_part("word") then
        feed(lhs)
      end
    end, bufnr, "Codestral: accept next word")
    map(km.accept_line, function(lhs)
      if not native.accept_part("line") then
        feed(lhs)
      end
    end, bufnr, "Codestral: accept line")
    map(km.next, function()
      native.select(1)
    end, bufnr, "Codestral: next suggestion")
    map(km.prev, function()
      native.select(-1)
    end, bufnr, "Codestral: previous suggestion")
    map(km.dismiss, function(lhs)
      if not M.dismiss() then
        feed(lhs)
      end
    end, bufnr, "Codestral: dismiss suggestion")
  elseif mode == "ghost" then
    local ghost = require("codestral.ghost")
    ghost.attach(client, bufnr)
    local function bind(kind)
      return function(lhs)
        if not ghost.accept(bufnr, kind) then
          feed(lhs)
        end
      end
    end
    map(km.accept, bind("all"), bufnr, "Codestral: accept suggestion")
    map(km.accept_word, bind("word"), bufnr, "Codestral: accept next word")
    map(km.accept_line, bind("line"), bufnr, "Codestral: accept line")
    map(km.dismiss, function(lhs)
      if not ghost.dismiss(bufnr) then
        feed(lhs)
      end
    end, bufnr, "Codestral: dismiss suggestion")
    map(km.trigger, function()
      ghost.trigger(bufnr)
    end, bufnr, "Codestral: suggest now")
  end
  util.fire("CodestralAttach")
end

-- Public API used by mappings and commands ------------------------------------------------------

--- Accepts the shown suggestion: kind "all" (default), "word" or "line". Returns true if it did.
function M.accept(kind)
  kind = kind or "all"
  if config.inline_mode() == "native" then
    local native = require("codestral.native")
    if kind == "all" then
      return M.enabled and native.accept_all()
    end
    return native.accept_part(kind)
  end
  return require("codestral.ghost").accept(vim.api.nvim_get_current_buf(), kind)
end

--- Neovim 0.12: accept a word or the line of the native suggestion (kept for old callers).
function M.accept_native(kind)
  return require("codestral.native").accept_part(kind)
end

--- Hides the current suggestion. Returns true if one was shown.
function M.dismiss()
  local bufnr = vim.api.nvim_get_current_buf()
  if config.inline_mode() == "native" then
    return require("codestral.native").dismiss(bufnr, M.enabled)
  end
  return require("codestral.ghost").dismiss(bufnr)
end

--- Sends the current settings to a running client (workspace/didChangeConfiguration).
function M._push_settings(client)
  local settings
  if user_setup then
    settings = config.server_settings(M.enabled)
  else
    -- Configured by vim.lsp.config (lsp/codestral.lua): keep the user's settings, flip the toggle.
    local current = (client.config.settings or {}).codestral
    settings = vim.deepcopy(type(current) == "table" and current or {})
    settings.completion = type(settings.completion) == "table" and settings.completion or {}
    settings.completion.enable = M.enabled
  end
  client.config.settings = vim.tbl_extend("force", client.config.settings or {}, { codestral = settings })
  util.notify(client, "workspace/didChangeConfiguration", { settings = { codestral = settings } })
end

--- Turns completions on or off (nil toggles). Tells the server too.
function M.toggle(on)
  if on == nil then
    M.enabled = not M.enabled
  else
    M.enabled = on and true or false
  end
  if not M.enabled and package.loaded["codestral.ghost"] then
    require("codestral.ghost").clear_all()
  end
  for _, client in ipairs(util.clients(nil)) do
    if config.inline_mode() == "native" then
      for bufnr in pairs(client.attached_buffers or {}) do
        require("codestral.native").enable(M.enabled, bufnr, client.id)
      end
    end
    M._push_settings(client)
  end
  util.fire("CodestralStatus")
  util.notify_user("completions " .. (M.enabled and "enabled" or "disabled"))
  return M.enabled
end

--- A short status for the statusline: "" when no Codestral client serves this buffer.
---   vim.o.statusline = "%f %= %{v:lua.require'codestral'.statusline()}"
function M.statusline()
  local client = util.clients(0)[1]
  if not client then
    return ""
  end
  if not M.enabled then
    return "Codestral: off"
  end
  local st = M.status[client.id]
  if st and st.state then
    return "Codestral: " .. st.state
  end
  return "Codestral: " .. (client.initialized == false and "starting" or "ready")
end

--- The last status notification of the client serving this buffer (or nil).
function M.status_info()
  local client = util.clients(0)[1] or util.client(nil)
  return client and M.status[client.id] or nil, client
end

-- Commands (lua/codestral/commands.lua; kept here for callers of the old names) ---------------

function M.execute(command, args, cb, bufnr)
  return require("codestral.commands").execute(command, args, cb, bufnr)
end

function M._command_range(client, bufnr, cmd_opts)
  return require("codestral.commands").range(client, bufnr, cmd_opts)
end

function M.explain(cmd_opts)
  return require("codestral.commands").explain(cmd_opts)
end

function M.chat(cmd_opts)
  return require("codestral.commands").chat(cmd_opts)
end

function M.show_status()
  return require("codestral.commands").status()
end

function M.restart()
  return require("codestral.commands").restart()
end

return M
