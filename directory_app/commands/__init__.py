"""Command modules of `directory-app`; each has `register(subparsers)` setting `handler`."""

from directory_app.commands import import_export, info, maintenance, online, search, sync

COMMANDS = [info, maintenance, sync, search, import_export, online]
