-- codestral-ls for Neovim 0.11+'s vim.lsp.config: `vim.lsp.enable('codestral')` is enough, no
-- setup() needed. Change anything with vim.lsp.config('codestral', { ... }), e.g.
--   vim.lsp.config('codestral', { settings = { codestral = { route = 'direct' } } })
-- The table comes from the plugin itself (cmd, init_options/settings, the inlineCompletion
-- capability, the codestral/status handler, and on_attach for ghost text and keys), so that
-- setup() and this file can never disagree. root_dir attaches every allowed buffer to one
-- client without a workspace root; files the server sees as secret get no completions.
return require("codestral").lsp_config()
