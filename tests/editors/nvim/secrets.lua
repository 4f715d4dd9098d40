-- Secret files are the server's call: even an explicit inline completion request in them gets
-- nothing, and the test checks the fake upstream saw none of their text. A file matching the
-- user's `exclude_extra` pattern is not attached at all. Runs on every version (request_sync).
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")
local util = require("codestral.util")

local function write(path, text)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ":h"), "p")
  local fd = assert(io.open(path, "w"))
  fd:write(text)
  fd:close()
end

local function ask(client, buf, line, character)
  local resp = util.request_sync(client, "textDocument/inlineCompletion", {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line, character = character },
    context = { triggerKind = 1 },
  }, 10000, buf)
  local result = resp and resp.result
  return #(result and (result.items or result) or {})
end

D.run(function()
  local dir = vim.fn.getcwd()
  local secrets = {
    tfvars = { dir .. "/prod.tfvars", 'db_password = "TFVARS_MARK"\n' },
    aws = { dir .. "/.aws/credentials", "[default]\naws_secret_access_key = AWS_MARK\n" },
    gitcred = { dir .. "/.git-credentials", "https://me:GITCRED_MARK@example.com\n" },
  }
  local seen = {}
  for key, spec in pairs(secrets) do
    write(spec[1], spec[2])
    vim.cmd("edit " .. vim.fn.fnameescape(spec[1]))
    local buf = vim.api.nvim_get_current_buf()
    if vim.bo[buf].filetype == "" then
      vim.bo[buf].filetype = "conf" -- the FileType start path needs one
    end
    local client = D.wait_client(buf)
    local line = vim.api.nvim_buf_line_count(buf) - 1
    seen[key] = { items = ask(client, buf, line, 0), path = spec[1] }
  end
  D.record("secrets", seen)

  -- The user's own pattern: never attached.
  write(dir .. "/notes.private", "PRIVATE_MARK\n")
  vim.cmd("edit " .. vim.fn.fnameescape(dir .. "/notes.private"))
  local pbuf = vim.api.nvim_get_current_buf()
  vim.bo[pbuf].filetype = "text"
  D.sleep(500)
  D.record("private_clients", #util.clients(pbuf))

  -- A normal file gets its suggestion.
  vim.cmd("edit " .. vim.fn.fnameescape(D.cfg.files.py))
  local buf = vim.api.nvim_get_current_buf()
  local client = D.wait_client(buf)
  vim.api.nvim_buf_set_lines(buf, 1, 2, false, { "    return" })
  D.record("normal_items", ask(client, buf, 1, 10))
end)
