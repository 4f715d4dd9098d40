-- :checkhealth codestral
local M = {}

local compat = require("codestral.compat")

local report = compat.health()
local start, ok, warn, err, info = report.start, report.ok, report.warn, report.error, report.info

--- Runs `argv` with `env` (table of extra variables), waiting at most `timeout_ms`.
--- Returns exit code (nil on timeout), stdout lines, stderr lines. Works on Neovim 0.7+.
local function run(argv, env, timeout_ms)
  local out, errs = {}, {}
  local function collect(into)
    return function(_, data)
      for _, l in ipairs(data or {}) do
        if l ~= "" then
          table.insert(into, (l:gsub("\r$", "")))
        end
      end
    end
  end
  local job_opts = {
    stdout_buffered = true,
    stderr_buffered = true,
    on_stdout = collect(out),
    on_stderr = collect(errs),
  }
  if env and next(env) then
    job_opts.env = env
  end
  local ok_start, job = pcall(vim.fn.jobstart, argv, job_opts)
  if not ok_start or job <= 0 then
    return -1, out, { "could not start: " .. table.concat(argv, " ") }
  end
  local code = vim.fn.jobwait({ job }, timeout_ms)[1]
  if code == -1 then
    vim.fn.jobstop(job)
    return nil, out, errs
  end
  return code, out, errs
end

local function key_sources(settings, key_env)
  local found = {}
  if settings.apiKey and settings.apiKey ~= vim.NIL and settings.apiKey ~= "" then
    table.insert(found, "settings.apiKey")
  end
  for _, name in ipairs({ key_env, "CODESTRAL_API_KEY", "MISTRAL_API_KEY" }) do
    local v = os.getenv(name)
    if v and v ~= "" and not vim.tbl_contains(found, "$" .. name) then
      table.insert(found, "$" .. name)
    end
  end
  return found
end

--- Suggestions shown/accepted/retained and the token budget, from `codestral.status`.
function M.usage(status)
  if type(status) ~= "table" or type(status.acceptance) ~= "table" then
    return
  end
  start("codestral: suggestions and budget")
  local lines = {}
  require("codestral.commands").summary_lines(status, lines)
  for _, line in ipairs(lines) do
    info((line:gsub("^%- ", ""):gsub("%*%*", "")))
  end
  local b = type(status.budget) == "table" and status.budget or {}
  if b.stageName == "off" then
    warn("the token budget is spent: no completions until the next day or month (codestral.budget)")
  elseif type(b.stage) == "number" and b.stage > 0 then
    warn(("the token budget is running low: completion stepped down to %s"):format(tostring(b.stageName)))
  else
    ok("token budget: full completion")
  end
end

--- The server decides which files are secret (never completed, never sent upstream); it may
--- report its list as `secretFileGlobs` in `codestral.status` (older servers do not).
function M.secret_files(client, opts)
  start("codestral: secret files")
  local globs
  if client then
    local util = require("codestral.util")
    local resp = util.request_sync(client, "workspace/executeCommand", { command = "codestral.status" }, 3000)
    local result = type(resp) == "table" and resp.result or nil
    globs = type(result) == "table" and result.secretFileGlobs or nil
    M.last_status = type(result) == "table" and result or nil
  end
  if type(globs) == "table" and #globs > 0 then
    ok("the server refuses these files (no completions, never sent upstream): " .. table.concat(globs, " "))
  elseif client then
    info("the server refuses secret files (.env, keys, credentials...); this version does not list them")
  else
    info("the server refuses secret files (.env, keys, credentials...); start a client to see its list")
  end
  local patterns = vim.list_extend(vim.deepcopy(opts.exclude or {}), opts.exclude_extra or {})
  if #patterns > 0 then
    info("never attached (exclude / exclude_extra, Lua patterns): " .. table.concat(patterns, " "))
  end
end

function M.check()
  local config = require("codestral.config")
  local codestral = require("codestral")
  local util = require("codestral.util")
  local opts = config.options
  local settings = config.server_settings()

  start("codestral: Neovim")
  local version = compat.version_string()
  local mode = config.inline_mode()
  local how = ({
    native = "native vim.lsp.inline_completion (0.12+)",
    ghost = "ghost text drawn by the plugin",
    none = "no ghost text on this version: use <C-x><C-o> (omnifunc) for Codestral completions",
  })[mode]
  if compat.inline_virt_text then
    ok(("Neovim %s: %s"):format(version, how))
  else
    warn(("Neovim %s: %s"):format(version, how), { "Neovim 0.10+ shows ghost text; 0.12+ natively" })
  end

  start("codestral: server")
  local install = require("codestral.install")
  local cmd, source = codestral.server()
  local from = ({
    cmd = "cmd from setup()",
    ["vim.lsp.config"] = "cmd from vim.lsp.config('codestral')",
    PATH = "codestral-ls on PATH",
    installed = "installed by :Codestral install",
  })[source]
  if type(cmd) == "function" then
    ok("cmd is a function (e.g. vim.lsp.rpc.connect): not checking a binary")
  else
    local exe = vim.fn.exepath(cmd[1])
    if exe == "" then
      local root = install.repo_root()
      err(("%s not found (not on PATH, not installed by :Codestral install)"):format(cmd[1]), {
        ":Codestral install — a virtual environment in " .. install.venv_dir() .. (root and (", from " .. root) or ""),
        "or pipx install " .. (root or "<a codestral-ls checkout>") .. " (puts codestral-ls on PATH)",
        'or point setup({ cmd = { "/path/to/codestral-ls" } }) at it',
      })
    else
      local argv = vim.deepcopy(cmd)
      argv[1] = exe
      table.insert(argv, "--version")
      local code, out = run(argv, nil, 10000)
      if code == 0 and out[1] then
        ok(("%s at %s (%s)"):format(out[1], exe, from))
      else
        warn(("%s --version failed (exit %s) (%s)"):format(exe, tostring(code), from))
      end
    end
  end
  info(
    ("which server: a configured cmd, else codestral-ls on PATH, else %s (%s)"):format(
      install.server_path(),
      install.installed() and "installed" or "not installed; :Codestral install makes it"
    )
  )

  start("codestral: API key")
  local key_env = opts.api_key_env or "CODESTRAL_API_KEY"
  local val = os.getenv(key_env)
  if val and val ~= "" then
    ok(("$%s is set"):format(key_env))
  else
    local others = key_sources(settings, key_env)
    local gateway = settings.gateway or {}
    if #others > 0 then
      ok(("$%s is not set; a key comes from %s"):format(key_env, table.concat(others, ", ")))
    elseif os.getenv("PORTKEY_API_KEY") or (gateway.apiKey and gateway.apiKey ~= vim.NIL) then
      ok("gateway key set (PORTKEY_API_KEY or settings.gateway.apiKey)")
    else
      warn(("$%s is not set"):format(key_env), {
        ("export %s=... before starting Neovim (keys from https://console.mistral.ai)"):format(key_env),
      })
    end
  end

  start("codestral: route")
  local route = settings.route or "auto"
  local base = settings.baseUrl
  if base == vim.NIL then
    base = nil
  end
  info(("route: %s%s"):format(route, base and (", baseUrl: " .. base) or ""))
  if type(settings.completion) == "table" and settings.completion.enable == false then
    warn("settings.completion.enable is false: no suggestions")
  end

  local clients = util.clients(nil)
  if #clients > 0 then
    for _, c in ipairs(clients) do
      local st = codestral.status[c.id]
      ok(
        ("client %d running (%s)%s"):format(
          c.id,
          util.encoding(c),
          st and (", state " .. tostring(st.state)) or ""
        )
      )
    end
  else
    info("no client running yet (it starts with the first matching buffer)")
  end

  M.secret_files(clients[1], opts)
  M.usage(M.last_status)

  start("codestral: live check (codestral-ls check)")
  if type(cmd) == "function" then
    info("skipped: cmd is a function")
    return
  end
  local exe = vim.fn.exepath(cmd[1])
  if exe == "" then
    err("skipped: the binary is missing")
    return
  end
  local path = vim.fn.tempname() .. "-codestral-settings.json"
  local fd = io.open(path, "w")
  if not fd then
    err("could not write a temporary settings file")
    return
  end
  fd:write(next(settings) and compat.json_encode(settings) or "{}")
  fd:close()
  local argv = vim.list_extend(vim.deepcopy(cmd), { "--settings", path, "check" })
  local code, out, errs = run(argv, config.cmd_env(), (opts.health_timeout or 20) * 1000)
  os.remove(path)
  for _, l in ipairs(out) do
    info(l)
  end
  if code == 0 then
    ok("codestral-ls check succeeded")
  elseif code == nil then
    err(("codestral-ls check timed out after %ds"):format(opts.health_timeout or 20))
  else
    err(
      ("codestral-ls check failed (exit %d): %s"):format(code, table.concat(errs, " "):sub(1, 500)),
      { "see the reason above; :Codestral status shows the server's view" }
    )
  end
end

return M
