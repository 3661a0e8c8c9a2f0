"""`python -m directory_app.bench NAME [options]`: run one benchmark and print its table."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from directory_app.bench import (
    cli_bench,
    gui_bench,
    import_bench,
    limits_bench,
    map_bench,
    search_bench,
)

BENCHMARKS = {"search": search_bench, "gui": gui_bench, "import": import_bench,
              "map": map_bench, "cli": cli_bench, "limits": limits_bench}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m directory_app.bench")
    sub = parser.add_subparsers(dest="name", metavar="BENCHMARK", required=True)
    for name, module in BENCHMARKS.items():
        module.add_arguments(sub.add_parser(name, help=module.__doc__.splitlines()[0]))
    args = parser.parse_args(argv)
    result: int = BENCHMARKS[args.name].run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
