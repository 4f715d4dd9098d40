-- Version shims and small helpers shared by the plugin's modules (Neovim 0.7 .. 0.12).
local M = {}

local has_011 = vim.fn.has("nvim-0.11") == 1

M.uv = vim.uv or vim.loop

--- Clients named "codestral", optionally only those attached to `bufnr` (0 = current).
---@param bufnr integer|nil
---@return table[]
function M.clients(bufnr)
  if bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local out = {}
  if vim.lsp.get_clients then
    out = vim.lsp.get_clients({ name = "codestral", bufnr = bufnr })
  elseif bufnr then
    for _, c in pairs(vim.lsp.buf_get_clients(bufnr)) do
      if c.name == "codestral" then
        table.insert(out, c)
      end
    end
  else
    for _, c in pairs(vim.lsp.get_active_clients()) do
      if c.name == "codestral" then
        table.insert(out, c)
      end
    end
  end
  return out
end

--- The codestral client for `bufnr` (attached one first, else any running one).
function M.client(bufnr)
  return M.clients(bufnr or 0)[1] or M.clients(nil)[1]
end

local function stopped(client)
  if has_011 then
    return client:is_stopped()
  end
  return client.is_stopped()
end
M.is_stopped = stopped

function M.request(client, method, params, handler, bufnr)
  if has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.request_sync(client, method, params, timeout_ms, bufnr)
  if has_011 then
    return client:request_sync(method, params, timeout_ms, bufnr)
  end
  return client.request_sync(method, params, timeout_ms, bufnr)
end

function M.notify(client, method, params)
  if has_011 then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

function M.cancel_request(client, id)
  if has_011 then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

function M.stop(client, force)
  if has_011 then
    return client:stop(force)
  end
  return client.stop(force)
end

function M.supports(client, method, provider)
  local caps = client.server_capabilities or client.resolved_capabilities or {}
  if caps[provider] ~= nil then
    return caps[provider] ~= false
  end
  if has_011 then
    return client:supports_method(method)
  end
  return false
end

--- Byte offset in `line` of an LSP `character` in `encoding` (clamped to the line).
---@param line string
---@param character integer
---@param encoding string "utf-8"|"utf-16"|"utf-32"
function M.byte_index(line, character, encoding)
  if encoding == "utf-8" or character <= 0 then
    return math.max(0, math.min(character, #line))
  end
  local ok, idx
  if has_011 then
    ok, idx = pcall(vim.str_byteindex, line, encoding, character, false)
  else
    ok, idx = pcall(vim.str_byteindex, line, character, encoding == "utf-16")
  end
  if not ok or not idx then
    return #line
  end
  return math.min(idx, #line)
end

--- LSP `character` of a byte offset in `line`.
function M.char_index(line, byte, encoding)
  byte = math.max(0, math.min(byte, #line))
  if encoding == "utf-8" then
    return byte
  end
  if has_011 then
    return vim.str_utfindex(line, encoding, byte, false)
  end
  local utf32, utf16 = vim.str_utfindex(line, byte)
  return encoding == "utf-16" and utf16 or utf32
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
  if opts.title and vim.fn.has("nvim-0.9") == 1 then
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
        shown = (vim.islist or vim.tbl_islist)(v) and "[]" or "{}"
      end
      table.insert(out, ("%s- **%s**: %s"):format(indent, tostring(k), tostring(shown)))
    end
  end
  return out
end

return M
