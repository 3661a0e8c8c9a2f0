"""Command modules of `directory-app`; each has `register(subparsers)` setting `handler`.

They are listed by name, not imported here: a command line that names one command imports only
that module (the exporter, the importer and alembic cost about half a second to import, and a
search needs none of them). `tests/core/test_cli_registry.py` checks this table against what
each module really registers.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: module (under `directory_app.commands`) -> the commands it registers, in `--help` order.
COMMANDS: dict[str, tuple[str, ...]] = {
    "info": ("info", "centers"),
    "show": ("show",),
    "split": ("split",),
    "merge": ("merge",),
    "maintenance": ("check", "backup", "restore", "backups"),
    "sync": ("sync",),
    "search": ("search",),
    "trials": ("trials",),
    "match": ("match",),
    "check_clinic": ("check-clinic",),
    "import_export": ("import", "export", "referral"),
    "online": ("online", "update"),
    "desktop": ("desktop-entry",),
}


def load(module: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{module}")


def modules_for(command: str | None) -> list[ModuleType]:
    """The module that registers `command`, or every module (for `--help`, or to let argparse
    name the choices when `command` is not one)."""
    for module, names in COMMANDS.items():
        if command in names:
            return [load(module)]
    return [load(module) for module in COMMANDS]
