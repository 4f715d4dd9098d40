-- The :Codestral {subcommand} command, its completion, and what each subcommand does.
-- The older :CodestralExplain, :CodestralChat, :CodestralStatus, :CodestralToggle and
-- :CodestralRestart are aliases that run the same subcommands.
local compat = require("codestral.compat")
local config = require("codestral.config")
local util = require("codestral.util")

local M = {}

local function codestral()
  return require("codestral")
end

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
function M.range(client, bufnr, cmd_opts)
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

--- :Codestral explain — explains the range (visual selection, or the whole buffer).
function M.explain(cmd_opts)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = need_client(bufnr)
  if not client then
    return
  end
  local args = {
    uri = vim.uri_from_bufnr(bufnr),
    range = M.range(client, bufnr, cmd_opts),
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

--- :Codestral chat {question} — asks about the range if one is given.
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
        args.range = M.range(client, bufnr, cmd_opts)
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

--- :Codestral status — the server's `codestral.status` plus the plugin's own state.
function M.status()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = need_client(bufnr)
  if not client then
    return
  end
  M.execute("codestral.status", nil, function(err, result)
    local lines = { "# Codestral", "" }
    local st = codestral().status[client.id]
    table.insert(lines, ("- **completions**: %s"):format(codestral().enabled and "enabled" or "disabled"))
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

--- :Codestral restart — stops the clients; buffers re-attach.
function M.restart()
  for _, client in ipairs(util.clients(nil)) do
    util.stop(client)
  end
  compat.forget_started()
  vim.defer_fn(function()
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        if compat.lsp_config then
          compat.reattach_enabled(bufnr)
        else
          codestral()._start_buf(bufnr)
        end
      end
    end
  end, 500)
end

--- :Codestral install — the server in a virtual environment under stdpath("data"), from this
--- plugin's checkout; buffers waiting for a server get it when it is done.
function M.install()
  require("codestral.install").run(function(ok)
    if ok then
      codestral()._server_installed()
      local cmd, source = codestral().server()
      if source ~= "installed" and type(cmd) == "table" then
        util.notify_user(
          ("the installed server is not the one in use: %s (%s) comes first"):format(cmd[1], source),
          vim.log.levels.WARN
        )
      end
    end
  end)
end

-- Dispatch -------------------------------------------------------------------------------------

local function on_off(arglead)
  return vim.tbl_filter(function(w)
    return w:sub(1, #arglead) == arglead
  end, { "on", "off" })
end

--- Subcommands: run(cmd_opts, args) where args is the text after the subcommand.
M.subcommands = {
  status = { desc = "server and plugin status", run = M.status },
  explain = {
    desc = "explain the selection (or the buffer); optional question",
    run = function(o, args)
      M.explain(vim.tbl_extend("force", o, { args = args }))
    end,
  },
  chat = {
    desc = "ask a question (about the selection, if any)",
    run = function(o, args)
      M.chat(vim.tbl_extend("force", o, { args = args }))
    end,
  },
  enable = {
    desc = "turn completions on",
    run = function()
      codestral().toggle(true)
    end,
  },
  disable = {
    desc = "turn completions off",
    run = function()
      codestral().toggle(false)
    end,
  },
  toggle = {
    desc = "turn completions on/off (optionally: on | off)",
    complete = on_off,
    run = function(_, args)
      local on = nil
      if args == "on" or args == "enable" then
        on = true
      elseif args == "off" or args == "disable" then
        on = false
      end
      codestral().toggle(on)
    end,
  },
  restart = { desc = "restart codestral-ls", run = M.restart },
  install = {
    desc = "install codestral-ls in a virtual environment (stdpath('data')) from this checkout",
    run = M.install,
  },
  log = {
    desc = "open the LSP log (the client's side of the conversation)",
    run = function()
      vim.cmd("split " .. vim.fn.fnameescape(vim.lsp.get_log_path()))
    end,
  },
  health = {
    desc = "run :checkhealth codestral",
    run = function()
      vim.cmd("checkhealth codestral")
    end,
  },
}

function M.names()
  local names = vim.tbl_keys(M.subcommands)
  table.sort(names)
  return names
end

--- Runs `sub` with the command's range and the rest of the arguments.
function M.run(sub, cmd_opts, args)
  local spec = M.subcommands[sub]
  if not spec then
    util.notify_user(
      ("unknown subcommand %q; one of: %s"):format(sub, table.concat(M.names(), ", ")),
      vim.log.levels.ERROR
    )
    return
  end
  spec.run(cmd_opts or {}, args or "")
end

--- :Codestral [sub] [args]: no subcommand shows the status.
function M.dispatch(cmd_opts)
  local sub, args = (cmd_opts.args or ""):match("^%s*(%S*)%s*(.-)%s*$")
  M.run(sub ~= "" and sub or "status", cmd_opts, args)
end

--- Completion of :Codestral: the subcommand, then that subcommand's own argument.
function M.complete(arglead, cmdline, cursorpos)
  local before = cmdline:sub(1, cursorpos)
  local words = {}
  for w in before:gmatch("%S+") do
    table.insert(words, w)
  end
  local index = before:match("%s$") and #words + 1 or #words
  if index == 2 then
    return vim.tbl_filter(function(name)
      return name:sub(1, #arglead) == arglead
    end, M.names())
  end
  local spec = M.subcommands[words[2] or ""]
  if index == 3 and spec and spec.complete then
    return spec.complete(arglead)
  end
  return {}
end

--- Defines :Codestral and the older aliases (from plugin/codestral.lua).
function M.define()
  local cmd = vim.api.nvim_create_user_command
  cmd("Codestral", M.dispatch, {
    range = true,
    nargs = "*",
    complete = M.complete,
    desc = "Codestral: " .. table.concat(M.names(), " | "),
  })
  local function alias(name, sub, opts)
    cmd(name, function(o)
      M.run(sub, o, o.args)
    end, opts)
  end
  alias("CodestralExplain", "explain", { range = "%", nargs = "*", desc = "= :Codestral explain" })
  alias("CodestralChat", "chat", { range = true, nargs = "*", desc = "= :Codestral chat" })
  alias("CodestralStatus", "status", { desc = "= :Codestral status" })
  alias("CodestralToggle", "toggle", { nargs = "?", complete = on_off, desc = "= :Codestral toggle" })
  alias("CodestralRestart", "restart", { desc = "= :Codestral restart" })
  alias("CodestralInstall", "install", { desc = "= :Codestral install" })
end

return M
