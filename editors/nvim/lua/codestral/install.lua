-- :Codestral install — the server in a virtual environment of its own, installed from the
-- repository checkout this plugin came in (the plugin manager's clone): no package index
-- needed for codestral-ls itself, and the server always matches the plugin.
--
--   stdpath("data")/codestral-ls/venv        python3 -m venv, then pip install <checkout>
--
-- Runs asynchronously (jobstart, Neovim 0.7+); says what it does as it goes and how it ended.
-- The plugin uses this server when no `cmd` is configured and codestral-ls is not on PATH.
local compat = require("codestral.compat")
local util = require("codestral.util")

local M = {}

local windows = vim.fn.has("win32") == 1

--- Python 3.10+ is what the server needs; the first of these that exists is used.
M.pythons = { "python3", "python" }

--- Where the virtual environment lives.
function M.venv_dir()
  return vim.fn.stdpath("data") .. "/codestral-ls/venv"
end

local function venv_bin(name)
  return M.venv_dir() .. (windows and ("/Scripts/" .. name .. ".exe") or ("/bin/" .. name))
end

--- The server :Codestral install makes (it may not exist yet).
function M.server_path()
  return venv_bin("codestral-ls")
end

--- Whether :Codestral install has put a runnable server in place.
function M.installed()
  return vim.fn.executable(M.server_path()) == 1
end

--- The repository checkout holding this plugin (editors/nvim inside it), or nil and why not.
function M.repo_root()
  local here = debug.getinfo(1, "S").source:sub(2) -- <root>/editors/nvim/lua/codestral/install.lua
  local root = vim.fn.fnamemodify(here, ":p:h:h:h:h:h")
  local fd = io.open(root .. "/pyproject.toml", "r")
  local text = fd and fd:read("*a") or ""
  if fd then
    fd:close()
  end
  if not text:find('name%s*=%s*"codestral%-ls"') then
    return nil,
      ("%s is not a codestral-ls checkout (no pyproject.toml naming codestral-ls): install the plugin from the repository, not editors/nvim alone"):format(
        root
      )
  end
  return root
end

--- The last run: nil, or { ok = bool, message = string, seconds = number, version = string? }.
M.last = nil
local running = false

function M.running()
  return running
end

--- Runs `argv`; calls `done(code, lines)` with stdout and stderr lines (in arrival order).
local function job(argv, done)
  local lines = {}
  local function collect(_, data)
    for _, l in ipairs(data or {}) do
      if l ~= "" then
        table.insert(lines, (l:gsub("\r$", "")))
      end
    end
  end
  local ok, id = pcall(vim.fn.jobstart, argv, {
    on_stdout = collect,
    on_stderr = collect,
    on_exit = function(_, code)
      vim.schedule(function()
        done(code, lines)
      end)
    end,
  })
  if not ok or id <= 0 then
    vim.schedule(function()
      done(-1, { "could not start " .. argv[1] })
    end)
  end
end

local function tail(lines, n)
  local from = math.max(1, #lines - n + 1)
  return table.concat(vim.list_slice(lines, from, #lines), "\n")
end

--- Installs (or reinstalls) the server; `on_done(ok, message)` is called at the end, after the
--- message has been shown and the User autocommand CodestralInstall fired.
function M.run(on_done)
  if running then
    util.notify_user("an install is already running", vim.log.levels.WARN)
    return false
  end
  local started = compat.uv.hrtime()
  local function seconds()
    return (compat.uv.hrtime() - started) / 1e9
  end
  local function finish(ok, message, version)
    running = false
    M.last = { ok = ok, message = message, seconds = seconds(), version = version }
    util.notify_user(message, ok and vim.log.levels.INFO or vim.log.levels.ERROR)
    util.fire("CodestralInstall")
    if on_done then
      on_done(ok, message)
    end
  end

  local root, why = M.repo_root()
  if not root then
    finish(false, "install failed: " .. why)
    return false
  end
  local python
  for _, name in ipairs(M.pythons) do
    if vim.fn.executable(name) == 1 then
      python = vim.fn.exepath(name)
      break
    end
  end
  if not python then
    finish(false, "install failed: no python3 on PATH; codestral-ls needs Python 3.10+ (with its venv module)")
    return false
  end
  running = true
  local venv = M.venv_dir()
  local vpython = venv_bin("python")

  local function check_server()
    job({ M.server_path(), "--version" }, function(code, lines)
      if code ~= 0 then
        return finish(false, ("install failed: %s --version exited %d:\n%s"):format(M.server_path(), code, tail(lines, 10)))
      end
      local version = lines[1] or "codestral-ls"
      finish(true, ("installed %s in %.1f s: %s"):format(version, seconds(), M.server_path()), version)
    end)
  end

  local function pip_install()
    util.notify_user(("installing codestral-ls from %s (pip)…"):format(root))
    job({ vpython, "-m", "pip", "install", "--disable-pip-version-check", "--upgrade", root }, function(code, lines)
      if code ~= 0 then
        return finish(false, ("install failed: pip exited %d:\n%s"):format(code, tail(lines, 15)))
      end
      check_server()
    end)
  end

  local function make_venv()
    if vim.fn.executable(vpython) == 1 then
      return pip_install() -- reinstall into the existing environment
    end
    util.notify_user(("creating a virtual environment in %s…"):format(venv))
    vim.fn.mkdir(vim.fn.fnamemodify(venv, ":h"), "p")
    job({ python, "-m", "venv", venv }, function(code, lines)
      if code ~= 0 then
        return finish(
          false,
          ("install failed: %s -m venv exited %d (Debian/Ubuntu: apt install python3-venv):\n%s"):format(
            python,
            code,
            tail(lines, 10)
          )
        )
      end
      pip_install()
    end)
  end

  -- Python 3.10+ first: an old Python would fail later with a less clear pip error.
  job({ python, "-c", "import sys; print('%d.%d' % sys.version_info[:2]); sys.exit(sys.version_info < (3, 10))" }, function(code, lines)
    if code ~= 0 then
      return finish(
        false,
        ("install failed: %s is Python %s; codestral-ls needs Python 3.10+"):format(python, lines[1] or "?")
      )
    end
    make_venv()
  end)
  return true
end

return M
