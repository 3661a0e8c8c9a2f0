"""The core must stay usable without Qt: the CLI and these tests depend on it."""

import subprocess
import sys


def test_core_and_cli_import_no_qt_module():
    code = (
        "import sys, pkgutil, importlib, directory_app.core as core, directory_app.cli\n"
        "for m in pkgutil.walk_packages(core.__path__, 'directory_app.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "import directory_app.commands\n"
        "cmds = directory_app.commands\n"
        "for m in pkgutil.walk_packages(cmds.__path__, 'directory_app.commands.'):\n"
        "    importlib.import_module(m.name)\n"
        "qt = sorted(n for n in sys.modules if n.startswith(('PySide6', 'shiboken6', 'PyQt')))\n"
        "print(','.join(qt))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
