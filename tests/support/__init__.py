"""The one test kit every folder shares: keys, the fake upstream, settings, sessions.

- ``keys``: the recognisable test keys and the server environments built from them;
- ``upstream``: the fake Mistral upstream, in this process (``running_fake``) or as its own
  process (``fake_process``), and the fixtures ``tests/conftest.py`` registers for every folder;
- ``settings``: the one builder of server settings (``server_settings``), direct or gateway;
- ``session``: an editor session on pytest-lsp's client (``Session``), started from a pytest-lsp
  fixture (``server_fixture`` + ``start_session``) or outside pytest (``open_session``);
- ``wheelhouse``: wheels of the dependencies and build requirements, for installs that use no
  package index (pip, pipx, uv, ``:Codestral install`` in the Neovim tests);
- ``wire``: a raw, synchronous JSON-RPC client over stdio, only for what pytest-lsp cannot do
  (raw bytes, closing stdin, signals, the pid, thousands of messages driven by Hypothesis).

Test modules import from here, never from another folder's conftest or another test module.
"""
