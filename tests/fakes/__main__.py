"""``python -m tests.fakes``: same as ``python -m tests.fakes.mistral``."""

from tests.fakes.mistral import main

raise SystemExit(main())
