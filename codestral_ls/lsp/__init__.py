"""The LSP layer: the only code that imports pygls, as ``upstream/`` is the only code that
imports httpx.

  build.py        the composition root: ``build_server()``
  server.py       the LanguageServer subclass: owns the service, capabilities, messages
  handlers.py     thin feature handlers: read params, call the service, build results
  commands.py     workspace/executeCommand: typed arguments, dispatch
  pygls_fixes.py  every reliance on pygls internals, each with its reason (guard-tested)
  transport.py    LSP framing that survives a client's mistakes (stdio and TCP)
"""
