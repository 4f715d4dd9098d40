-- Every difference between the Neovim versions the plugin supports (0.7 .. 0.12+), in one place.
-- Other modules ask here instead of probing vim.fn.has() or API fields themselves, so dropping
-- an old version means editing this file and deleting the branches it no longer needs.
--
--   0.7        plain LSP: vim.lsp.start_client, omnifunc; no ghost text
--   0.8 - 0.9  vim.lsp.start, LspDetach; ghost text as overlay/eol virtual text
--   0.10       inline virtual text, vim.uv
--   0.11       client:method() calls, new str_*index signatures, vim.lsp.config/enable
--   0.12       native vim.lsp.inline_completion
-- Must stay loadable on older versions: plugin/codestral.lua asks `supported` first.
local M = {}

local function has(v)
  return vim.fn.has("nvim-" .. v) == 1
end

-- Features -------------------------------------------------------------------------------------

M.supported = has("0.7") -- nvim_create_user_command, Lua autocmds, vim.keymap
M.lsp_start = vim.lsp.start ~= nil -- 0.8: reuses a running client by name/root
M.lsp_detach_event = has("0.8")
M.float_title = has("0.9")
M.inline_virt_text = has("0.10") -- virt_text_pos = "inline"
local colon_methods = has("0.11") -- client:request() (the dot form is deprecated)
M.lsp_config = has("0.11") and vim.lsp.config ~= nil and vim.lsp.enable ~= nil
M.native_inline = has("0.12") and vim.lsp.inline_completion ~= nil
-- Ghost text drawn by the plugin needs extmark virtual lines and vim.lsp.start.
M.ghost = has("0.8")

M.uv = vim.uv or vim.loop
M.islist = vim.islist or vim.tbl_islist
M.json_encode = vim.json and vim.json.encode or vim.fn.json_encode

--- "0.11.4"
function M.version_string()
  local v = vim.version()
  return ("%d.%d.%d"):format(v.major, v.minor, v.patch)
end

-- Clients --------------------------------------------------------------------------------------

--- Clients named `name`, optionally only those attached to `bufnr`.
function M.clients(name, bufnr)
  if vim.lsp.get_clients then -- 0.10
    return vim.lsp.get_clients({ name = name, bufnr = bufnr })
  end
  local all = bufnr and vim.lsp.buf_get_clients(bufnr) or vim.lsp.get_active_clients()
  local out = {}
  for _, c in pairs(all) do
    if c.name == name then
      table.insert(out, c)
    end
  end
  return out
end

--- Calls a client method: client:m(...) on 0.11+, client.m(...) before.
local function call(client, method, ...)
  if colon_methods then
    return client[method](client, ...)
  end
  return client[method](...)
end

function M.is_stopped(client)
  return call(client, "is_stopped")
end

function M.request(client, method, params, handler, bufnr)
  return call(client, "request", method, params, handler, bufnr)
end

function M.request_sync(client, method, params, timeout_ms, bufnr)
  return call(client, "request_sync", method, params, timeout_ms, bufnr)
end

function M.notify(client, method, params)
  return call(client, "notify", method, params)
end

function M.cancel_request(client, id)
  return call(client, "cancel_request", id)
end

function M.stop(client, force)
  return call(client, "stop", force)
end

--- Whether the server offers `provider` (0.7 kept it in resolved_capabilities).
function M.supports(client, method, provider)
  local caps = client.server_capabilities or client.resolved_capabilities or {}
  if caps[provider] ~= nil then
    return caps[provider] ~= false
  end
  if colon_methods then
    return client:supports_method(method)
  end
  return false
end

-- Starting -------------------------------------------------------------------------------------

local legacy_client_id = nil -- 0.7: the one client, attached buffer by buffer

--- Starts (or reuses) the client for `bufnr` without vim.lsp.enable (0.7 .. 0.10).
function M.start(cfg, bufnr)
  if M.lsp_start then
    return vim.lsp.start(cfg, { bufnr = bufnr })
  end
  local client = legacy_client_id and vim.lsp.get_client_by_id(legacy_client_id)
  if not client or M.is_stopped(client) then
    local on_exit = cfg.on_exit
    cfg.on_exit = function(code, signal, client_id)
      if client_id == legacy_client_id then
        legacy_client_id = nil
      end
      if on_exit then
        on_exit(code, signal, client_id)
      end
    end
    legacy_client_id = vim.lsp.start_client(cfg)
  end
  if legacy_client_id then
    vim.lsp.buf_attach_client(bufnr, legacy_client_id)
  end
  return legacy_client_id
end

--- Forgets the 0.7 client (after a stop) so the next start makes a new one.
function M.forget_started()
  legacy_client_id = nil
end

--- Enables `name` through vim.lsp.enable (0.11+); `cfg`, when given, replaces the config
--- table set by earlier vim.lsp.config calls (lsp/<name>.lua files still lie beneath it).
function M.enable_config(name, cfg)
  if cfg then
    vim.lsp.config[name] = cfg
  end
  vim.lsp.enable(name)
end

--- Makes vim.lsp.config resolve `name` again (0.11+): lsp/<name>.lua runs anew.
function M.refresh_config(name)
  vim.lsp.config(name, {})
end

--- The resolved vim.lsp.config of `name` (0.11+), or nil.
function M.resolved_config(name)
  return vim.lsp.config[name]
end

--- Re-runs vim.lsp.enable's FileType handler for `bufnr` (0.11+): re-attaches after a restart.
function M.reattach_enabled(bufnr)
  vim.api.nvim_exec_autocmds("FileType", { group = "nvim.lsp.enable", buffer = bufnr })
end

-- Text positions -------------------------------------------------------------------------------

--- Byte offset in `line` of an LSP `character` in `encoding` ("utf-16" or "utf-32"), or nil.
function M.str_byteindex(line, encoding, character)
  local ok, idx
  if colon_methods then
    ok, idx = pcall(vim.str_byteindex, line, encoding, character, false)
  else
    ok, idx = pcall(vim.str_byteindex, line, character, encoding == "utf-16")
  end
  return ok and idx or nil
end

--- LSP `character` in `encoding` ("utf-16" or "utf-32") of the byte offset `byte` in `line`.
function M.str_utfindex(line, encoding, byte)
  if colon_methods then
    return vim.str_utfindex(line, encoding, byte, false)
  end
  local utf32, utf16 = vim.str_utfindex(line, byte)
  return encoding == "utf-16" and utf16 or utf32
end

-- Display --------------------------------------------------------------------------------------

--- Where the first line of ghost text goes: inline at the cursor on 0.10+; before that, over
--- the end of the line when the cursor is there, else after the line.
function M.ghost_virt_text_pos(line, col)
  if M.inline_virt_text then
    return "inline"
  end
  return col >= #line and "overlay" or "eol"
end

--- :checkhealth reporters (vim.health.* on 0.10+, health#report_* before).
function M.health()
  local h = vim.health or require("health")
  return {
    start = h.start or h.report_start,
    ok = h.ok or h.report_ok,
    warn = h.warn or h.report_warn,
    error = h.error or h.report_error,
    info = h.info or h.report_info,
  }
end

return M
