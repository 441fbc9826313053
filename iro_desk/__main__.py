"""Allow ``python -m iro_desk``."""

from iro_desk.cli import main

raise SystemExit(main())
