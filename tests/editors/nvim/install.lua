-- :Codestral install with no server anywhere, then ghost text from the server it installed.
-- Runs on 0.11 (the plugin's ghost text) and 0.12 (native inline completion).
local D = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/driver.lua")
local install = require("codestral.install")
local codestral = require("codestral")

local native_ns = vim.api.nvim_create_namespace("nvim.lsp.inline_completion")
local function ghost(buf)
  if require("codestral.config").inline_mode() == "ghost" then
    return require("codestral.ghost").current(buf)
  end
  local m = vim.api.nvim_buf_get_extmarks(buf, native_ns, 0, -1, { details = true })[1]
  if not m then
    return nil
  end
  local parts = {}
  for _, chunk in ipairs(m[4].virt_text or {}) do
    table.insert(parts, chunk[1])
  end
  return table.concat(parts)
end

local function notes()
  local out = {}
  for _, n in ipairs(_G.CODESTRAL_NOTES) do
    table.insert(out, n.msg)
  end
  return out
end

D.run(function()
  local rtp = vim.api.nvim_list_runtime_paths()
  D.record("plugin_dir_on_rtp", vim.tbl_filter(function(p)
    return p:match("editors/nvim$") ~= nil
  end, rtp))
  D.record("commands", { codestral = vim.fn.exists(":Codestral"), install = vim.fn.exists(":CodestralInstall") })
  D.record("on_path", vim.fn.executable("codestral-ls"))
  D.record("source_before", select(2, codestral.server()))
  D.record("repo_root", install.repo_root() or vim.NIL)

  -- A Python file: no server yet, so no client; the plugin says what to do.
  vim.cmd("edit " .. vim.fn.fnameescape(D.cfg.files.py))
  local buf = vim.api.nvim_get_current_buf()
  D.sleep(300)
  D.record("clients_before", #require("codestral.util").clients(buf))
  D.record("notes_before", notes())

  local t0 = D.now_ms()
  vim.cmd("Codestral install")
  D.wait(D.cfg.install_timeout_ms or 240000, function()
    return install.last
  end, ":Codestral install to finish")
  D.record("install_ms", math.floor(D.now_ms() - t0))
  D.record("install", { ok = install.last.ok, message = install.last.message, version = install.last.version or vim.NIL })
  if not install.last.ok then
    error("install failed: " .. install.last.message, 0)
  end
  local client = D.wait_client(buf, 20000)
  D.record("cmd", client.config.cmd)
  D.record("source_after", select(2, codestral.server()))
  D.record("mode", require("codestral.config").inline_mode())

  -- Type "    return" on line 2: the fake answers " a + b".
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  D.input("A")
  D.type("    return")
  D.wait(15000, function()
    return ghost(buf) == " a + b"
  end, "ghost text ' a + b'")
  D.record("ghost", ghost(buf))
  D.record("install_to_ghost_ms", math.floor(D.now_ms() - t0))
  D.input("<Esc>")
  D.sleep(50)
  D.record("notes", notes())

  vim.cmd("checkhealth codestral")
  D.wait(30000, function()
    local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
    return text:find("codestral%-ls check") and (text:find("succeeded") or text:find("failed") or text:find("timed out"))
  end, "the live check section")
  D.record("health", vim.api.nvim_buf_get_lines(0, 0, -1, false))
end)
