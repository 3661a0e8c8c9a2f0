"""Command modules of `directory-app`; each has `register(subparsers)` setting `handler`."""

from . import info

COMMANDS = [info]
