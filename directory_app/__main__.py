"""`python -m directory_app` starts the desktop app (or runs a command, as `directory-app`)."""

import sys

from .cli import main

sys.exit(main())
