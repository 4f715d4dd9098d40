-- Ghost text drawn by the plugin (Neovim 0.8 .. 0.11; 0.12+ uses vim.lsp.inline_completion).
--
-- While typing in insert mode, after `ghost.debounce_ms` without a change, the plugin sends
-- `textDocument/inlineCompletion` for the cursor. A newer keystroke cancels the request in
-- flight ($/cancelRequest) and a stale answer is dropped. The first item is drawn as an extmark:
-- the first line as inline virtual text at the cursor, the other lines as virtual lines below.
-- It is cleared when the cursor moves, the text changes, insert mode ends or the buffer is left.
local compat = require("codestral.compat")
local config = require("codestral.config")
local util = require("codestral.util")

local M = {}

local ns = vim.api.nvim_create_namespace("codestral_ghost")
M.ns = ns

local INVOKED, AUTOMATIC = 1, 2

---@class codestral.GhostState
---@field client_id integer
---@field key string|nil        changedtick:row:col the suggestion/request belongs to
---@field timer userdata|nil
---@field req_id integer|nil    request in flight
---@field suggestion table|nil  { text, row, col, replace_end, command, client_id }
---@field requests integer      requests sent (for tests and :Codestral status)
---@field cancelled integer     requests cancelled while in flight
local states = {}
M.states = states

local function make_key(bufnr)
  local cur = vim.api.nvim_win_get_cursor(0)
  return ("%d:%d:%d"):format(vim.api.nvim_buf_get_changedtick(bufnr), cur[1] - 1, cur[2])
end

local function in_insert()
  local mode = vim.api.nvim_get_mode().mode
  return mode == "i" or mode == "ic" or mode == "ix"
end

local function client_of(s)
  local client = s and vim.lsp.get_client_by_id(s.client_id)
  if client and not util.is_stopped(client) then
    return client
  end
end

local function cancel(s)
  if s.timer then
    s.timer:stop()
  end
  if s.req_id then
    local client = client_of(s)
    if client then
      pcall(util.cancel_request, client, s.req_id)
      s.cancelled = s.cancelled + 1
    end
    s.req_id = nil
  end
end

local function hide(bufnr, s)
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  end
  if s then
    s.suggestion = nil
  end
end

--- Drops the suggestion and any pending request of `bufnr`.
function M.clear(bufnr)
  local s = states[bufnr]
  if s then
    cancel(s)
  end
  hide(bufnr, s)
end

function M.clear_all()
  for bufnr in pairs(states) do
    M.clear(bufnr)
  end
end

local function snippet_to_text(value)
  -- Enough of the snippet grammar for inserted text: ${1:default} -> default, $1/$0 -> "".
  local text = value:gsub("%${%d+:([^}]*)}", "%1"):gsub("%${%d+}", ""):gsub("%$%d+", "")
  text = text:gsub("\\([%$}\\])", "%1")
  return text
end

--- The text of an InlineCompletionItem.
local function item_text(item)
  local t = item.insertText
  if type(t) == "table" then
    if t.kind == "snippet" then
      return snippet_to_text(t.value or "")
    end
    return t.value
  end
  return t
end

local function draw(bufnr, sug)
  vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  local hl = config.options.ghost.hl_group or "CodestralGhost"
  local ts = vim.bo[bufnr].tabstop
  local lines = vim.split(sug.text:gsub("\t", string.rep(" ", ts)), "\n", { plain = true })
  local opts = { hl_mode = "combine", priority = 65535 }
  if lines[1] ~= "" then
    opts.virt_text = { { lines[1], hl } }
    opts.virt_text_pos = compat.ghost_virt_text_pos(util.line(bufnr, sug.row), sug.col)
  end
  if #lines > 1 then
    opts.virt_lines = {}
    for i = 2, #lines do
      table.insert(opts.virt_lines, { { lines[i], hl } })
    end
  end
  if opts.virt_text or opts.virt_lines then
    sug.extmark = vim.api.nvim_buf_set_extmark(bufnr, ns, sug.row, sug.col, opts)
  end
end

--- Turns an item into a suggestion anchored at the cursor (row, col), or nil.
local function to_suggestion(client, bufnr, item, row, col)
  local text = item_text(item)
  if type(text) ~= "string" or text == "" then
    return nil
  end
  local replace_end = col
  if type(item.range) == "table" and item.range.start then
    local enc = util.encoding(client)
    local r = item.range
    if r.start.line ~= row then
      return nil
    end
    local line = util.line(bufnr, row)
    local scol = util.byte_index(line, r.start.character, enc)
    if scol > col then
      return nil
    end
    -- Text between the range start and the cursor is already typed: it must match.
    local typed = line:sub(scol + 1, col)
    if text:sub(1, #typed) ~= typed then
      return nil
    end
    text = text:sub(#typed + 1)
    if r["end"] and r["end"].line == row then
      replace_end = math.max(col, util.byte_index(line, r["end"].character, enc))
    end
  end
  if text == "" then
    return nil
  end
  return {
    text = text,
    row = row,
    col = col,
    replace_end = replace_end,
    command = item.command,
    client_id = client.id,
  }
end

--- Sends the request for the state `key` (if it is still current).
local function request(bufnr, key, kind)
  local s = states[bufnr]
  if not s or s.key ~= key then
    return
  end
  if vim.api.nvim_get_current_buf() ~= bufnr or not in_insert() or make_key(bufnr) ~= key then
    return
  end
  local client = client_of(s)
  if not client or not require("codestral").enabled then
    return
  end
  cancel(s)
  local cur = vim.api.nvim_win_get_cursor(0)
  local row, col = cur[1] - 1, cur[2]
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = util.position(client, bufnr, row, col),
    context = { triggerKind = kind },
  }
  local req_id
  local ok, id = util.request(client, "textDocument/inlineCompletion", params, function(err, result)
    if s.req_id ~= req_id then
      return -- cancelled or superseded
    end
    s.req_id = nil
    if err or not result or s.key ~= key then
      return
    end
    if not vim.api.nvim_buf_is_valid(bufnr) or vim.api.nvim_get_current_buf() ~= bufnr then
      return
    end
    if not in_insert() or make_key(bufnr) ~= key or not require("codestral").enabled then
      return
    end
    local items = result.items or result
    for _, item in ipairs(items) do
      local sug = to_suggestion(client, bufnr, item, row, col)
      if sug then
        s.suggestion = sug
        draw(bufnr, sug)
        util.fire("CodestralGhost")
        return
      end
    end
  end, bufnr)
  if ok then
    req_id = id
    s.req_id = id
    s.requests = s.requests + 1
  end
end

local function schedule(bufnr, key)
  local s = states[bufnr]
  if not s.timer then
    s.timer = compat.uv.new_timer()
  end
  s.timer:stop()
  s.timer:start(
    math.max(0, config.options.ghost.debounce_ms or 75),
    0,
    vim.schedule_wrap(function()
      request(bufnr, key, AUTOMATIC)
    end)
  )
end

--- The suggestion shown, less what the user just typed of it (nil when the change is anything
--- else). Typing through may cross lines: Enter and the indentation the suggestion itself
--- shows keep its later lines on screen instead of clearing and redrawing them.
local function typed_through(bufnr, s)
  local sug = s.suggestion
  if not sug then
    return nil
  end
  local cur = vim.api.nvim_win_get_cursor(0)
  local row, col = cur[1] - 1, cur[2]
  if row < sug.row or (row == sug.row and col <= sug.col) then
    return nil
  end
  local typed
  if row == sug.row then
    typed = util.line(bufnr, row):sub(sug.col + 1, col)
  else
    local _, breaks = sug.text:gsub("\n", "")
    if row - sug.row > breaks then
      return nil -- more lines than the suggestion has: not typed from it
    end
    local lines = vim.api.nvim_buf_get_lines(bufnr, sug.row, row + 1, false)
    lines[1] = lines[1]:sub(sug.col + 1)
    lines[#lines] = lines[#lines]:sub(1, col)
    typed = table.concat(lines, "\n")
  end
  if #typed >= #sug.text or sug.text:sub(1, #typed) ~= typed then
    return nil
  end
  return {
    text = sug.text:sub(#typed + 1),
    row = row,
    col = col,
    -- what the suggestion replaces after the cursor moved along with it
    replace_end = col + (sug.replace_end - sug.col),
    command = sug.command,
    client_id = sug.client_id,
  }
end

--- TextChangedI / CursorMovedI / InsertEnter: the state changed, start over.
function M.on_change(bufnr)
  local s = states[bufnr]
  if not s or vim.api.nvim_get_current_buf() ~= bufnr or not in_insert() then
    return
  end
  local key = make_key(bufnr)
  if s.key == key then
    return -- nothing changed since the last request, suggestion or dismissal
  end
  s.key = key
  local kept = typed_through(bufnr, s)
  M.clear(bufnr)
  if kept then
    -- Typing through the suggestion: its rest stays on screen (redrawn in the same tick, so it
    -- never blinks) until the answer for the new cursor replaces it.
    s.suggestion = kept
    draw(bufnr, kept)
  end
  if vim.fn.pumvisible() == 1 then
    return -- the completion menu is open: no ghost text over it
  end
  if require("codestral").enabled and config.options.ghost.auto_trigger ~= false then
    schedule(bufnr, key)
  end
end

--- `codestral/suggestionUpdated`: the suggestion shown at `params.position` was the start of an
--- answer still streaming and is now known whole. Ask again (the server answers from its cache)
--- if nothing changed since; the longer suggestion replaces the shorter in the same tick.
function M.on_updated(client_id, params)
  local uri = params.textDocument and params.textDocument.uri
  local pos = params.position
  if type(uri) ~= "string" or type(pos) ~= "table" then
    return
  end
  local bufnr = vim.uri_to_bufnr(uri)
  local s = states[bufnr]
  if not s or s.client_id ~= client_id or not s.suggestion or s.req_id then
    return
  end
  if vim.api.nvim_get_current_buf() ~= bufnr or not in_insert() or make_key(bufnr) ~= s.key then
    return
  end
  local client = client_of(s)
  local cur = vim.api.nvim_win_get_cursor(0)
  local here = client and util.position(client, bufnr, cur[1] - 1, cur[2])
  if here and here.line == pos.line and here.character == pos.character then
    request(bufnr, s.key, AUTOMATIC)
  end
end

--- Asks for a suggestion now (the `trigger` key).
function M.trigger(bufnr)
  local s = states[bufnr]
  if not s then
    return
  end
  M.clear(bufnr)
  s.key = make_key(bufnr)
  request(bufnr, s.key, INVOKED)
end

--- Part of `text` taken by an accept of `kind` ("all", "word", "line").
function M.split(text, kind)
  if kind == "word" then
    local part = text:match("^%s*[%w_]+") or text:match("^%s*[^%w_%s]+") or text:match("^%s+")
    if part and part:find("\n") then
      -- Never jump over a line break with a word: stop after it (keeping the indentation).
      part = text:match("^[ \t]*\n[ \t]*") or part
    end
    return part or text
  elseif kind == "line" then
    if text:sub(1, 1) == "\n" then
      local nxt = text:sub(2):match("^[^\n]*") or ""
      return "\n" .. nxt
    end
    return text:match("^[^\n]*") or text
  end
  return text
end

--- Accepts the suggestion (whole, a word or a line). Returns false when none is shown.
function M.accept(bufnr, kind)
  kind = kind or "all"
  local s = states[bufnr]
  local sug = s and s.suggestion
  if not sug then
    return false
  end
  local cur = vim.api.nvim_win_get_cursor(0)
  if cur[1] - 1 ~= sug.row or cur[2] ~= sug.col or make_key(bufnr) ~= s.key then
    M.clear(bufnr)
    return false
  end
  local part = M.split(sug.text, kind)
  local whole = #part >= #sug.text
  local lines = vim.split(part, "\n", { plain = true })
  local end_col = whole and sug.replace_end or sug.col
  vim.api.nvim_buf_set_text(bufnr, sug.row, sug.col, sug.row, end_col, lines)
  local row2 = sug.row + #lines - 1
  local col2 = (#lines == 1 and sug.col or 0) + #lines[#lines]
  vim.api.nvim_win_set_cursor(0, { row2 + 1, col2 })

  if whole then
    hide(bufnr, s)
    if sug.command and sug.command.command then
      local client = client_of(s)
      if client then
        util.request(client, "workspace/executeCommand", {
          command = sug.command.command,
          arguments = sug.command.arguments,
        }, function() end, bufnr)
      end
    end
    -- The next TextChangedI asks for what follows.
    return true
  end
  -- Partial accept: tell the server what of the suggestion is accepted so far (it counts it
  -- and follows its retention), keep the rest on screen at the new cursor, no new request.
  sug.accepted = (sug.accepted or "") .. part
  local id = sug.command and sug.command.arguments and sug.command.arguments[1]
  id = type(id) == "table" and id.id or nil
  local client = id and client_of(s)
  if client then
    util.request(client, "workspace/executeCommand", {
      command = "codestral.partialAccept",
      arguments = { { id = id, text = sug.accepted } },
    }, function() end, bufnr)
  end
  sug.replace_end = col2 + (sug.replace_end - sug.col)
  sug.text = sug.text:sub(#part + 1)
  sug.row, sug.col = row2, col2
  s.key = make_key(bufnr)
  draw(bufnr, sug)
  return true
end

--- Hides the suggestion until the next change. Returns false when none was shown.
function M.dismiss(bufnr)
  local s = states[bufnr]
  if not s or not s.suggestion then
    return false
  end
  M.clear(bufnr)
  return true
end

--- The suggestion text shown in `bufnr` (nil when none).
function M.current(bufnr)
  local s = states[bufnr or vim.api.nvim_get_current_buf()]
  return s and s.suggestion and s.suggestion.text or nil
end

function M.detach(bufnr)
  local s = states[bufnr]
  if not s then
    return
  end
  cancel(s)
  if s.timer and not s.timer:is_closing() then
    s.timer:close()
  end
  hide(bufnr, s)
  states[bufnr] = nil
  pcall(vim.api.nvim_del_augroup_by_name, "codestral_ghost_" .. bufnr)
end

function M.attach(client, bufnr)
  if states[bufnr] then
    states[bufnr].client_id = client.id
    return
  end
  states[bufnr] = { client_id = client.id, requests = 0, cancelled = 0 }
  local group = vim.api.nvim_create_augroup("codestral_ghost_" .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ "InsertEnter", "TextChangedI", "CursorMovedI" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      M.on_change(bufnr)
    end,
  })
  vim.api.nvim_create_autocmd({ "InsertLeave", "BufLeave" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      local s = states[bufnr]
      if s then
        s.key = nil
      end
      M.clear(bufnr)
    end,
  })
  vim.api.nvim_create_autocmd("ModeChanged", {
    group = group,
    buffer = bufnr,
    callback = function()
      local new = vim.v.event and vim.v.event.new_mode or ""
      if new:sub(1, 1) ~= "i" then
        local s = states[bufnr]
        if s then
          s.key = nil
        end
        M.clear(bufnr)
      end
    end,
  })
  vim.api.nvim_create_autocmd({ "BufUnload", "BufWipeout" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      M.detach(bufnr)
    end,
  })
  -- The client detaching (stop, restart) ends the ghost text of the buffer.
  if compat.lsp_detach_event then
    vim.api.nvim_create_autocmd("LspDetach", {
      group = group,
      buffer = bufnr,
      callback = function(args)
        local s = states[bufnr]
        if s and args.data and args.data.client_id == s.client_id then
          vim.schedule(function()
            M.detach(bufnr)
          end)
        end
      end,
    })
  end
  if in_insert() and vim.api.nvim_get_current_buf() == bufnr then
    M.on_change(bufnr)
  end
end

return M
