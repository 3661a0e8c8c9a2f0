"""Command modules of `directory-app`; each has `register(subparsers)` setting `handler`."""

from . import exchange, info, maintenance, search, sync

COMMANDS = [info, maintenance, sync, search, exchange]
