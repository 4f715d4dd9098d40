-- codestral.nvim: Neovim client for codestral-ls (Codestral fill-in-the-middle ghost text).
--
--   require("codestral").setup({ ... })   -- optional: merges options over the defaults
--
-- The server is started automatically from plugin/codestral.lua. See :help codestral.
local config = require("codestral.config")
local util = require("codestral.util")

local M = {}

M.version = "0.1.0"
--- Completions on/off (:CodestralToggle). Starts from settings.completion.enable.
M.enabled = true
--- Last `codestral/status` notification per client id: { state = ..., message = ... }.
M.status = {}

local augroup = "codestral"
local registered = false
local legacy_client_id = nil -- Neovim 0.7: the one client started with vim.lsp.start_client

local has = function(v)
  return vim.fn.has("nvim-" .. v) == 1
end

--- Merges `opts` over the defaults (see :help codestral-options). Safe to call again.
function M.setup(opts)
  config.set(opts)
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
  pcall(vim.api.nvim_exec_autocmds, "User", { pattern = "CodestralStatus", modeline = false })
  pcall(vim.cmd, "redrawstatus")
end

--- The client configuration shared by every start path.
function M._client_config()
  local settings = config.server_settings(M.enabled)
  local cfg = {
    name = "codestral",
    cmd = config.options.cmd,
    cmd_env = config.cmd_env(),
    init_options = { codestral = settings },
    settings = { codestral = settings },
    capabilities = capabilities(),
    handlers = { ["codestral/status"] = on_status },
    on_attach = function(client, bufnr)
      M._on_attach(client, bufnr)
    end,
    on_exit = function(_, _, client_id)
      M.status[client_id] = nil
      if client_id == legacy_client_id then
        legacy_client_id = nil
      end
    end,
  }
  return cfg
end

local function buffer_ok(bufnr)
  local ok = config.buffer_allowed(bufnr)
  return ok and vim.bo[bufnr].filetype ~= ""
end

--- Starts (or reuses) the client for `bufnr` on Neovim 0.7 .. 0.10.
function M._start_buf(bufnr)
  if not buffer_ok(bufnr) or #util.clients(bufnr) > 0 then
    return
  end
  if vim.lsp.start then -- 0.8+
    local cfg = M._client_config()
    if type(cfg.cmd) == "table" and vim.fn.executable(cfg.cmd[1]) ~= 1 then
      return M._missing_binary()
    end
    vim.lsp.start(cfg, { bufnr = bufnr })
    return
  end
  -- 0.7: one client, attached buffer by buffer.
  local client = legacy_client_id and vim.lsp.get_client_by_id(legacy_client_id)
  if not client or util.is_stopped(client) then
    local cfg = M._client_config()
    if type(cfg.cmd) ~= "table" or vim.fn.executable(cfg.cmd[1]) ~= 1 then
      return M._missing_binary()
    end
    legacy_client_id = vim.lsp.start_client(cfg)
  end
  if legacy_client_id then
    vim.lsp.buf_attach_client(bufnr, legacy_client_id)
  end
end

local warned_missing = false
function M._missing_binary()
  if warned_missing then
    return
  end
  warned_missing = true
  local cmd = config.options.cmd
  util.notify_user(
    ("%s not found on PATH: pip install codestral-ls (or set cmd in setup()); see :checkhealth codestral"):format(
      type(cmd) == "table" and cmd[1] or "codestral-ls"
    ),
    vim.log.levels.WARN
  )
end

--- Registers the automatic start for this Neovim version. Idempotent.
function M._register()
  registered = true
  vim.api.nvim_set_hl(0, "CodestralGhost", { link = "Comment", default = true })
  local group = vim.api.nvim_create_augroup(augroup, { clear = true })

  if has("0.11") and vim.lsp.config and vim.lsp.enable then
    local cfg = M._client_config()
    cfg.filetypes = config.options.filetypes
    cfg.root_dir = function(bufnr, on_dir)
      if buffer_ok(bufnr) then
        on_dir(nil)
      end
    end
    if type(cfg.cmd) == "table" and vim.fn.executable(cfg.cmd[1]) ~= 1 then
      -- vim.lsp.enable would fail silently for every buffer: say it once.
      vim.api.nvim_create_autocmd("FileType", {
        group = group,
        callback = function(args)
          if buffer_ok(args.buf) and vim.fn.executable(cfg.cmd[1]) ~= 1 then
            M._missing_binary()
          end
        end,
      })
    end
    -- Assigned, not merged: a list such as `cmd` must replace the previous one whole.
    vim.lsp.config.codestral = cfg
    vim.lsp.enable("codestral")
    return
  end

  vim.api.nvim_create_autocmd({ "FileType", "BufEnter" }, {
    group = group,
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
  if config.options.omnifunc and vim.bo[bufnr].omnifunc == "" then
    vim.bo[bufnr].omnifunc = "v:lua.vim.lsp.omnifunc"
  end
  local mode = config.inline_mode()
  if not util.supports(client, "textDocument/inlineCompletion", "inlineCompletionProvider") then
    mode = "none"
  end
  local km = config.options.keymaps or {}
  if mode == "native" then
    -- Per buffer and client: never turns on inline completion of other servers.
    vim.lsp.inline_completion.enable(M.enabled, { bufnr = bufnr, client_id = client.id })
    map(km.accept, function(lhs)
      if not (M.enabled and vim.lsp.inline_completion.get()) then
        feed(lhs)
      end
    end, bufnr, "Codestral: accept suggestion")
    map(km.accept_word, function(lhs)
      if not M.accept_native("word") then
        feed(lhs)
      end
    end, bufnr, "Codestral: accept next word")
    map(km.accept_line, function(lhs)
      if not M.accept_native("line") then
        feed(lhs)
      end
    end, bufnr, "Codestral: accept line")
    map(km.next, function()
      vim.lsp.inline_completion.select({ count = 1 })
    end, bufnr, "Codestral: next suggestion")
    map(km.prev, function()
      vim.lsp.inline_completion.select({ count = -1 })
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
  pcall(vim.api.nvim_exec_autocmds, "User", { pattern = "CodestralAttach", modeline = false })
end

-- Public API used by mappings and commands ------------------------------------------------------

--- Accepts the shown suggestion: kind "all" (default), "word" or "line". Returns true if it did.
function M.accept(kind)
  kind = kind or "all"
  if config.inline_mode() == "native" then
    if kind == "all" then
      return M.enabled and vim.lsp.inline_completion.get() or false
    end
    return M.accept_native(kind)
  end
  return require("codestral.ghost").accept(vim.api.nvim_get_current_buf(), kind)
end

--- Neovim 0.12: accept a word or the line of the native suggestion.
function M.accept_native(kind)
  local bufnr = vim.api.nvim_get_current_buf()
  return vim.lsp.inline_completion.get({
    on_accept = function(item)
      local text = item.insert_text
      if type(text) ~= "string" then
        return item -- snippets are accepted whole
      end
      -- The part already typed (the range may start before the cursor) is kept.
      local typed = ""
      if item.range then
        local srow, scol = item.range:to_extmark()
        local cur = vim.api.nvim_win_get_cursor(0)
        if srow == cur[1] - 1 and scol <= cur[2] then
          typed = util.line(bufnr, srow):sub(scol + 1, cur[2])
        end
      end
      if text:sub(1, #typed) ~= typed then
        typed = ""
      end
      local part = require("codestral.ghost").split(text:sub(#typed + 1), kind)
      item.insert_text = typed .. part
      item.command = nil -- counted only when accepted whole
      return item
    end,
  }) or false
end

--- Hides the current suggestion. Returns true if one was shown.
function M.dismiss()
  local bufnr = vim.api.nvim_get_current_buf()
  if config.inline_mode() == "native" then
    local shown = #vim.api.nvim_buf_get_extmarks(
      bufnr,
      vim.api.nvim_create_namespace("nvim.lsp.inline_completion"),
      0,
      -1,
      { limit = 1 }
    ) > 0
    for _, client in ipairs(util.clients(bufnr)) do
      vim.lsp.inline_completion.enable(false, { bufnr = bufnr, client_id = client.id })
      vim.lsp.inline_completion.enable(M.enabled, { bufnr = bufnr, client_id = client.id })
    end
    return shown
  end
  return require("codestral.ghost").dismiss(bufnr)
end

--- Sends the current settings to a running client (workspace/didChangeConfiguration).
function M._push_settings(client)
  local settings = config.server_settings(M.enabled)
  client.config.settings = { codestral = settings }
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
    if config.inline_mode() == "native" and vim.lsp.inline_completion then
      for bufnr in pairs(client.attached_buffers or {}) do
        vim.lsp.inline_completion.enable(M.enabled, { bufnr = bufnr, client_id = client.id })
      end
    end
    M._push_settings(client)
  end
  pcall(vim.api.nvim_exec_autocmds, "User", { pattern = "CodestralStatus", modeline = false })
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

-- Commands -------------------------------------------------------------------------------------

local function need_client(bufnr)
  local client = util.client(bufnr)
  if not client then
    util.notify_user(
      "no codestral-ls client for this buffer (excluded file or server not running; see :checkhealth codestral)",
      vim.log.levels.WARN
    )
  end
  return client
end

--- workspace/executeCommand with one argument object; `cb(err, result)`.
function M.execute(command, args, cb, bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local client = need_client(bufnr)
  if not client then
    return false
  end
  local params = { command = command, arguments = args ~= nil and { args } or nil }
  local ok = util.request(client, "workspace/executeCommand", params, function(err, result)
    cb(err, result)
  end, bufnr)
  return ok
end

--- The LSP range of a command's range: charwise when it comes from a charwise visual selection.
function M._command_range(client, bufnr, cmd_opts)
  local enc = util.encoding(client)
  local last = vim.api.nvim_buf_line_count(bufnr)
  local l1, l2 = 1, last
  if cmd_opts and cmd_opts.range and cmd_opts.range > 0 then
    l1, l2 = cmd_opts.line1, cmd_opts.line2
  end
  local vs, ve = vim.fn.getpos("'<"), vim.fn.getpos("'>")
  if
    cmd_opts
    and cmd_opts.range == 2
    and vim.fn.visualmode() == "v"
    and vs[2] == l1
    and ve[2] == l2
  then
    local sline, eline = util.line(bufnr, l1 - 1), util.line(bufnr, l2 - 1)
    local scol = math.min(vs[3] - 1, #sline)
    local ecol = math.min(ve[3] - 1, #eline)
    -- '> points at the first byte of the last selected character: include the whole character.
    local ch = vim.fn.strpart(eline, ecol, 1, true)
    local eend = math.min(#eline, ecol + math.max(#ch, 1))
    return {
      start = { line = l1 - 1, character = util.char_index(sline, scol, enc) },
      ["end"] = { line = l2 - 1, character = util.char_index(eline, eend, enc) },
    }
  end
  local range = { start = { line = l1 - 1, character = 0 } }
  if l2 < last then
    range["end"] = { line = l2, character = 0 }
  else
    local eline = util.line(bufnr, l2 - 1)
    range["end"] = { line = l2 - 1, character = util.char_index(eline, #eline, enc) }
  end
  return range
end

local function show_markdown(title, err, result)
  if err then
    util.notify_user(title .. " failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    return
  end
  local md = type(result) == "table" and result.markdown or nil
  if type(md) ~= "string" then
    md = type(result) == "string" and result or vim.inspect(result)
  end
  util.open_float(md, { title = title })
end

--- :CodestralExplain — explains the range (visual selection, or the whole buffer).
function M.explain(cmd_opts)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = need_client(bufnr)
  if not client then
    return
  end
  local args = {
    uri = vim.uri_from_bufnr(bufnr),
    range = M._command_range(client, bufnr, cmd_opts),
    show = false,
  }
  if cmd_opts and cmd_opts.args and cmd_opts.args ~= "" then
    args.question = cmd_opts.args
  end
  vim.api.nvim_echo({ { "Codestral: explaining…", "Comment" } }, false, {})
  M.execute("codestral.explain", args, function(err, result)
    vim.api.nvim_echo({ { "" } }, false, {})
    show_markdown("Codestral: explain", err, result)
  end, bufnr)
end

--- :CodestralChat {question} — asks about the range if one is given.
function M.chat(cmd_opts)
  local question = cmd_opts and cmd_opts.args or ""
  local bufnr = vim.api.nvim_get_current_buf()
  local function ask(q)
    if not q or q == "" then
      return
    end
    local client = need_client(bufnr)
    if not client then
      return
    end
    local args = { question = q, show = false }
    if config.buffer_allowed(bufnr) and #util.clients(bufnr) > 0 then
      args.uri = vim.uri_from_bufnr(bufnr)
      if cmd_opts and cmd_opts.range and cmd_opts.range > 0 then
        args.range = M._command_range(client, bufnr, cmd_opts)
      end
    end
    vim.api.nvim_echo({ { "Codestral: thinking…", "Comment" } }, false, {})
    M.execute("codestral.chat", args, function(err, result)
      vim.api.nvim_echo({ { "" } }, false, {})
      show_markdown("Codestral: chat", err, result)
    end, bufnr)
  end
  if question == "" then
    vim.ui.input({ prompt = "Ask Codestral: " }, ask)
  else
    ask(question)
  end
end

--- :CodestralStatus — the server's `codestral.status` plus the plugin's own state.
function M.show_status()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = need_client(bufnr)
  if not client then
    return
  end
  M.execute("codestral.status", nil, function(err, result)
    local lines = { "# Codestral", "" }
    local st = M.status[client.id]
    table.insert(lines, ("- **completions**: %s"):format(M.enabled and "enabled" or "disabled"))
    table.insert(lines, ("- **display**: %s"):format(config.inline_mode()))
    table.insert(lines, ("- **client**: id %d, %s"):format(client.id, util.encoding(client)))
    if st then
      table.insert(
        lines,
        ("- **state**: %s%s"):format(tostring(st.state), st.message and st.message ~= "" and (" — " .. st.message) or "")
      )
    end
    table.insert(lines, "")
    table.insert(lines, "## Server")
    table.insert(lines, "")
    if err then
      table.insert(lines, "- error: " .. (err.message or vim.inspect(err)))
    elseif type(result) == "table" then
      util.to_markdown_lines(result, "", lines)
    else
      table.insert(lines, "- " .. tostring(result))
    end
    util.open_float(lines, { title = "Codestral: status" })
  end, bufnr)
end

--- :CodestralRestart — stops the clients; buffers re-attach.
function M.restart()
  for _, client in ipairs(util.clients(nil)) do
    util.stop(client)
  end
  legacy_client_id = nil
  vim.defer_fn(function()
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        if has("0.11") and vim.lsp.enable then
          vim.api.nvim_exec_autocmds("FileType", { group = "nvim.lsp.enable", buffer = bufnr })
        else
          M._start_buf(bufnr)
        end
      end
    end
  end, 500)
end

return M
