-- Neovim 0.12+: suggestions shown by the native vim.lsp.inline_completion, with the plugin's
-- keys for partial accepts. Only used when config.inline_mode() is "native".
local util = require("codestral.util")

local M = {}

local ns_name = "nvim.lsp.inline_completion" -- the namespace Neovim draws its suggestion in

--- Turns native inline completion on/off for one buffer and client only: other servers' inline
--- completion is left as the user set it.
function M.enable(on, bufnr, client_id)
  vim.lsp.inline_completion.enable(on, { bufnr = bufnr, client_id = client_id })
end

--- Accepts the whole suggestion. Returns true if one was shown.
function M.accept_all()
  return vim.lsp.inline_completion.get() or false
end

--- Accepts a word or the line of the suggestion ("word" | "line"). Returns true if it did.
function M.accept_part(kind)
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

function M.select(count)
  vim.lsp.inline_completion.select({ count = count })
end

--- Hides the suggestion (off and on again for our clients). Returns true if one was shown.
function M.dismiss(bufnr, enabled)
  local ns = vim.api.nvim_create_namespace(ns_name)
  local shown = #vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { limit = 1 }) > 0
  for _, client in ipairs(util.clients(bufnr)) do
    M.enable(false, bufnr, client.id)
    M.enable(enabled, bufnr, client.id)
  end
  return shown
end

return M
