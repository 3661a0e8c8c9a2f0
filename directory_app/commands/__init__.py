"""Command modules of `directory-app`; each has `register(subparsers)` setting `handler`."""

from . import info, maintenance, sync

COMMANDS = [info, maintenance, sync]
