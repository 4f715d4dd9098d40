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
    if type(result) == "table" then
      M.summary_lines(result, lines)
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

local function pct(share)
  return type(share) == "number" and ("%d%%"):format(math.floor(share * 100 + 0.5)) or "–"
end

--- Acceptance, retention and budget in a few lines (the status float's head, checkhealth).
function M.summary_lines(st, lines)
  local a = type(st.acceptance) == "table" and st.acceptance or nil
  if a then
    table.insert(
      lines,
      ("- **suggestions**: %d shown, %d accepted, %d partly accepted, %d typed through, %d dismissed (accept rate %s)"):format(
        a.shown or 0,
        a.accepted or 0,
        a.partlyAccepted or 0,
        a.typedThrough or 0,
        a.dismissed or 0,
        pct(a.acceptRate)
      )
    )
    local r = type(a.retention) == "table" and a.retention or {}
    local function kept(label)
      local c = type(r[label]) == "table" and r[label] or {}
      return ("%s %s"):format(label, pct(c.share ~= vim.NIL and c.share or nil))
    end
    table.insert(lines, ("- **retained**: %s, %s, %s"):format(kept("30s"), kept("2m"), kept("10m")))
  end
  local b = type(st.budget) == "table" and st.budget or nil
  if b then
    local function left(p)
      if type(p) ~= "table" or type(p.limit) ~= "number" then
        return "unlimited"
      end
      return ("%d of %d left"):format(p.left or 0, p.limit)
    end
    table.insert(
      lines,
      ("- **budget**: stage %s; today %s; this month %s"):format(tostring(b.stageName), left(b.day), left(b.month))
    )
  end
end

--- The last `n` requests as text lines (what :Codestral inspect shows).
function M.inspect_lines(records)
  local out = { "# Codestral: last requests", "" }
  if #records == 0 then
    table.insert(out, "(no completion request yet)")
  end
  for _, r in ipairs(records) do
    local t = type(r.timings) == "table" and r.timings or {}
    local tok = type(r.tokens) == "table" and r.tokens or {}
    local pos = type(r.position) == "table" and r.position or {}
    local function v(x)
      return (x == nil or x == vim.NIL) and "–" or tostring(x)
    end
    vim.list_extend(out, {
      ("## %s:%d:%d  %s  id=%s  outcome=%s"):format(
        v(r.file), (pos.line or 0) + 1, (pos.index or 0) + 1, v(r.language), v(r.id), v(r.outcome)
      ),
      ("- source: %s; stage: %s; route: %s; trace: %s"):format(v(r.source), v(r.stage), v(r.route), v(r.traceId)),
      ("- timings: debounce %s ms, first byte %s ms, upstream %s ms, total %s ms"):format(
        v(t.debounceMs), v(t.firstByteMs), v(t.upstreamMs), v(t.totalMs)
      ),
      ("- tokens: prompt %s, completion %s%s"):format(v(tok.prompt), v(tok.completion), tok.estimated == true and " (estimated)" or ""),
      ("- sent: prefix %s chars, suffix %s chars, multiline %s, redactions %s"):format(
        v(r.prefixChars), v(r.suffixChars), v(r.multiline), v(r.redactions)
      ),
    })
    local sent = type(r.sent) == "table" and r.sent or {}
    for _, snip in ipairs(type(sent.snippets) == "table" and sent.snippets or {}) do
      table.insert(out, ("- snippet from %s (%s chars)"):format(v(snip.path), v(snip.chars)))
    end
    local rules = type(r.rules) == "table" and table.concat(r.rules, ", ") or ""
    table.insert(out, "- rules that changed it: " .. (rules ~= "" and rules or "none"))
    for _, part in ipairs({ { "prefix (end)", r.prefix, true }, { "suffix", r.suffix }, { "raw answer", r.raw }, { "shown", r.shown } }) do
      local text = part[2]
      if type(text) ~= "string" then
        text = "–"
      elseif part[3] and #text > 400 then
        text = "…" .. text:sub(-400)
      elseif #text > 400 then
        text = text:sub(1, 400) .. "…"
      end
      table.insert(out, "")
      table.insert(out, "### " .. part[1])
      table.insert(out, "```")
      vim.list_extend(out, vim.split(text, "\n", { plain = true }))
      table.insert(out, "```")
    end
    table.insert(out, "")
  end
  return out
end

--- :Codestral inspect [N] — the last N requests (default 5) in a scratch buffer.
function M.inspect(cmd_opts, args)
  local bufnr = vim.api.nvim_get_current_buf()
  local limit = tonumber(args ~= nil and args ~= "" and args or "5") or 5
  M.execute("codestral.inspect", { limit = math.max(1, math.min(50, math.floor(limit))) }, function(err, result)
    local lines
    if err then
      lines = { "Codestral inspect failed: " .. (err.message or vim.inspect(err)) }
    else
      lines = M.inspect_lines(type(result) == "table" and result.requests or {})
    end
    vim.cmd("botright new")
    local buf = vim.api.nvim_get_current_buf()
    vim.bo[buf].buftype = "nofile"
    vim.bo[buf].bufhidden = "wipe"
    vim.bo[buf].swapfile = false
    pcall(vim.api.nvim_buf_set_name, buf, "codestral://inspect/" .. buf)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
    vim.bo[buf].filetype = "markdown"
    vim.bo[buf].modifiable = false
    M.last_inspect = { buf = buf, lines = lines }
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
  inspect = {
    desc = "the last N completion requests (default 5) in a scratch buffer",
    run = function(o, args)
      M.inspect(o, args)
    end,
  },
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
