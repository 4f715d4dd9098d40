-- Small helpers shared by the plugin's modules. Version differences live in compat.lua.
local compat = require("codestral.compat")

local M = {}

M.uv = compat.uv

--- Clients named "codestral", optionally only those attached to `bufnr` (0 = current).
---@param bufnr integer|nil
---@return table[]
function M.clients(bufnr)
  if bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  return compat.clients("codestral", bufnr)
end

--- The codestral client for `bufnr` (attached one first, else any running one).
function M.client(bufnr)
  return M.clients(bufnr or 0)[1] or M.clients(nil)[1]
end

M.is_stopped = compat.is_stopped
M.request = compat.request
M.request_sync = compat.request_sync
M.notify = compat.notify
M.cancel_request = compat.cancel_request
M.stop = compat.stop
M.supports = compat.supports

--- Byte offset in `line` of an LSP `character` in `encoding` (clamped to the line).
---@param line string
---@param character integer
---@param encoding string "utf-8"|"utf-16"|"utf-32"
function M.byte_index(line, character, encoding)
  if encoding == "utf-8" or character <= 0 then
    return math.max(0, math.min(character, #line))
  end
  local idx = compat.str_byteindex(line, encoding, character)
  return idx and math.min(idx, #line) or #line
end

--- LSP `character` of a byte offset in `line`.
function M.char_index(line, byte, encoding)
  byte = math.max(0, math.min(byte, #line))
  if encoding == "utf-8" then
    return byte
  end
  return compat.str_utfindex(line, encoding, byte)
end

function M.encoding(client)
  return client.offset_encoding or "utf-16"
end

function M.line(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
end

--- LSP position of the cursor of the current window (which shows `bufnr`).
function M.cursor_position(client, bufnr)
  local cur = vim.api.nvim_win_get_cursor(0)
  local row = cur[1] - 1
  return { line = row, character = M.char_index(M.line(bufnr, row), cur[2], M.encoding(client)) }
end

--- LSP position of (0-based row, byte col).
function M.position(client, bufnr, row, col)
  return { line = row, character = M.char_index(M.line(bufnr, row), col, M.encoding(client)) }
end

--- Fires `User {pattern}`; an error in a user's autocommand must not break the plugin.
function M.fire(pattern)
  pcall(vim.api.nvim_exec_autocmds, "User", { pattern = pattern, modeline = false })
end

function M.notify_user(msg, level)
  vim.notify("codestral: " .. msg, level or vim.log.levels.INFO)
end

--- Opens (and focuses) a floating window with Markdown text. `q` or <Esc> closes it.
---@param text string|string[]
---@param opts table|nil { title = string, enter = boolean }
---@return integer buf, integer win
function M.open_float(text, opts)
  opts = opts or {}
  local fopts = require("codestral.config").options.float or {}
  local lines = type(text) == "table" and text or vim.split(text or "", "\n", { plain = true })
  if #lines == 0 then
    lines = { "" }
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].filetype = "markdown"
  vim.bo[buf].modifiable = false

  local width = 20
  for _, l in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(l))
  end
  width = math.min(width, fopts.max_width or 100, math.max(20, vim.o.columns - 6))
  local height = 0
  for _, l in ipairs(lines) do
    height = height + math.max(1, math.ceil(vim.fn.strdisplaywidth(l) / width))
  end
  height = math.min(height, fopts.max_height or 40, math.max(3, vim.o.lines - 6))
  local win_opts = {
    relative = "editor",
    row = math.max(0, math.floor((vim.o.lines - height) / 2) - 1),
    col = math.max(0, math.floor((vim.o.columns - width) / 2)),
    width = width,
    height = height,
    style = "minimal",
    border = fopts.border or "rounded",
  }
  if opts.title and compat.float_title then
    win_opts.title = " " .. opts.title .. " "
    win_opts.title_pos = "center"
  end
  local win = vim.api.nvim_open_win(buf, opts.enter ~= false, win_opts)
  vim.wo[win].wrap = true
  vim.wo[win].linebreak = true
  vim.wo[win].conceallevel = 2
  for _, key in ipairs({ "q", "<Esc>" }) do
    vim.keymap.set("n", key, function()
      if vim.api.nvim_win_is_valid(win) then
        vim.api.nvim_win_close(win, true)
      end
    end, { buffer = buf, nowait = true, silent = true })
  end
  M.last_float = { buf = buf, win = win }
  return buf, win
end

--- Renders a Lua value (a decoded JSON object) as Markdown list lines.
function M.to_markdown_lines(value, indent, out)
  out = out or {}
  indent = indent or ""
  if type(value) ~= "table" then
    table.insert(out, indent .. "- " .. tostring(value))
    return out
  end
  local keys = vim.tbl_keys(value)
  table.sort(keys, function(a, b)
    return tostring(a) < tostring(b)
  end)
  for _, k in ipairs(keys) do
    local v = value[k]
    if type(v) == "table" and next(v) ~= nil then
      table.insert(out, ("%s- **%s**:"):format(indent, tostring(k)))
      M.to_markdown_lines(v, indent .. "  ", out)
    else
      local shown = v
      if v == vim.NIL or v == nil then
        shown = "null"
      elseif type(v) == "table" then
        shown = compat.islist(v) and "[]" or "{}"
      end
      table.insert(out, ("%s- **%s**: %s"):format(indent, tostring(k), tostring(shown)))
    end
  end
  return out
end

return M
