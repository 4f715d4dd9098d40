-- :checkhealth codestral, with a client running; the health buffer's text is the result.
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")

-- cfg.fake_globs: stands in for a server that reports `secretFileGlobs` in codestral.status.
if D.cfg.fake_globs then
  local util = require("codestral.util")
  local real = util.request_sync
  util.request_sync = function(client, method, params, ...)
    local resp = real(client, method, params, ...)
    if params and params.command == "codestral.status" and resp and resp.result then
      resp.result.secretFileGlobs = D.cfg.fake_globs
    end
    return resp
  end
end

D.run(function()
  vim.cmd("edit " .. vim.fn.fnameescape(D.cfg.files.py))
  D.wait_client(vim.api.nvim_get_current_buf())
  local t0 = D.now_ms()
  vim.cmd("checkhealth codestral")
  D.record("health_ms", math.floor(D.now_ms() - t0))
  -- Neovim 0.10+ fills the health buffer asynchronously: wait for the last section.
  D.wait(30000, function()
    local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
    return text:find("codestral%-ls check") and (text:find("succeeded") or text:find("failed") or text:find("timed out"))
  end, "the live check section")
  D.record("health", vim.api.nvim_buf_get_lines(0, 0, -1, false))
end)
