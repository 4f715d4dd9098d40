-- :checkhealth codestral, with a client running; the health buffer's text is the result.
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")

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
