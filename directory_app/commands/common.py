"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from directory_app.core.storage.engine import Store
from directory_app.core.storage.opening import open_store


class CommandError(Exception):
    """A user mistake on the command line; printed as one line, exit code 2."""


def store_for(args: argparse.Namespace) -> Store:
    return open_store(args.db)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, sort_keys=True)
    sys.stdout.write("\n")
