"""Command modules of `directory-app`; each has `register(subparsers)` setting `handler`."""

from directory_app.commands import import_export, info, maintenance, match, online, search, sync

COMMANDS = [info, maintenance, sync, search, match, import_export, online]
