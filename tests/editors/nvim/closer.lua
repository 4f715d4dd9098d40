-- Neovim 0.12+: an inline completion item whose range covers the closer after the cursor.
-- In `print(x|)` the server answers ` + 1).bit_length()` with a range over the `)`; accepting
-- must give `print(x + 1).bit_length()`, the closer overwritten, not duplicated. Run with
-- CODESTRAL_FAKE_TEXT=" + 1).bit_length()" (see test_nvim.py).
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")
local ns = vim.api.nvim_create_namespace("nvim.lsp.inline_completion")

local function ghost(buf)
  local m = vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })[1]
  if not m then
    return nil
  end
  local parts = {}
  for _, chunk in ipairs(m[4].virt_text or {}) do
    table.insert(parts, chunk[1])
  end
  return table.concat(parts), m[4].virt_text_pos, m[3]
end

D.run(function()
  vim.cmd("edit " .. vim.fn.fnameescape(D.cfg.files.py))
  local buf = vim.api.nvim_get_current_buf()
  D.wait_client(buf)
  vim.api.nvim_buf_set_lines(buf, 1, 2, false, { "    print()" })
  vim.api.nvim_win_set_cursor(0, { 2, 10 }) -- on the `)`
  D.input("i")
  D.type("x")
  local text = D.wait(15000, function()
    local t = ghost(buf)
    return t and t ~= "" and t
  end, "ghost text before the closer")
  local _, pos, col = ghost(buf)
  D.record("ghost", text)
  D.record("ghost_pos", pos or vim.NIL)
  D.record("ghost_col", col or vim.NIL)
  D.record("before_accept", D.lines(buf)[2])
  D.input("<Tab>")
  D.wait(3000, function()
    return D.lines(buf)[2] ~= "    print(x)"
  end, "the accepted suggestion")
  D.record("after_accept", D.lines(buf)[2])
  D.input("<Esc>")
  D.wait(2000, function()
    return D.mode() == "n"
  end, "normal mode")
end)
