-- Configuration loading with defaults, validation and deep merging.

local M = {}

M.defaults = {
  enabled = true,
  debounce_ms = 120,
  keymaps = {
    accept = "<Tab>",
    dismiss = "<C-]>",
  },
  filetypes = {
    markdown = false,
    help = false,
  },
}

local function is_list(t)
  if type(t) ~= "table" then
    return false
  end
  local n = 0
  for _ in pairs(t) do
    n = n + 1
  end
  return n == #t
end

function M.merge(base, override)
  local out = {}
  for key, value in pairs(base) do
    out[key] = value
  end
  for key, value in pairs(override or {}) do
    if type(value) == "table" and type(out[key]) == "table" and not is_list(value) then
      out[key] = M.merge(out[key], value)
    else
      out[key] = value
    end
  end
  return out
end

function M.validate(config)
  local problems = {}
  if type(config.enabled) ~= "boolean" then
    table.insert(problems, "enabled must be a boolean")
  end
  if type(config.debounce_ms) ~= "number" or config.debounce_ms < 0 then
    table.insert(problems, "debounce_ms must be a non-negative number")
  end
  for name, key in pairs(config.keymaps) do
    if type(key) ~= "string" then
      table.insert(problems, ("keymaps.%s must be a string"):format(name))
    end
  end
  return problems
end

function M.setup(user)
  local config = M.merge(M.defaults, user)
  local problems = M.validate(config)
  if #problems > 0 then
    vim.notify(table.concat(problems, "\n"), vim.log.levels.WARN)
  end
  M.current = config
  return config
end

return M
