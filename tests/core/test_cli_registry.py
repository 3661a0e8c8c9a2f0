"""The lazy command table, the alembic-free head check and the quick `--version`."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from directory_app.cli import main
from directory_app.commands import COMMANDS, load, modules_for
from directory_app.core.storage.engine import (
    alembic_config,
    current_revision,
    head_revision,
    quick_head_revision,
    schema_is_current,
)
from directory_app.core.storage.opening import open_store


def _registered(module_name: str) -> list[str]:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    load(module_name).register(sub)
    return list(sub.choices)


@pytest.mark.parametrize("module_name", sorted(COMMANDS))
def test_table_names_exactly_what_each_module_registers(module_name: str) -> None:
    assert tuple(_registered(module_name)) == COMMANDS[module_name]


def test_a_named_command_loads_only_its_module() -> None:
    assert [m.__name__ for m in modules_for("search")] == ["directory_app.commands.search"]
    assert len(modules_for("no-such-command")) == len(COMMANDS)
    assert len(modules_for(None)) == len(COMMANDS)


def test_unknown_command_still_lists_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'frobnicate'" in err and "search" in err and "import" in err


def test_quick_head_matches_alembic() -> None:
    assert quick_head_revision() == head_revision()


def test_quick_head_refuses_what_it_cannot_read_plainly(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("revision = 'a'\ndown_revision = None\n")
    (tmp_path / "b.py").write_text("revision: str = \"b\"\ndown_revision = 'a'\n")
    assert quick_head_revision(tmp_path) == "b"
    (tmp_path / "c.py").write_text("revision = 'c'\ndown_revision = 'a'\n")  # two heads
    assert quick_head_revision(tmp_path) is None
    (tmp_path / "c.py").write_text("revision = make_id()\ndown_revision = 'b'\n")
    assert quick_head_revision(tmp_path) is None


def test_schema_is_current_follows_the_stored_revision(tmp_path: Path) -> None:
    store = open_store(tmp_path / "d.db")
    try:
        assert schema_is_current(store.engine)
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        assert not schema_is_current(store.engine)
        with store.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
        assert not schema_is_current(store.engine)
    finally:
        store.engine.dispose()


def test_an_old_revision_is_still_upgraded_on_open(tmp_path: Path) -> None:
    from alembic import command

    store = open_store(tmp_path / "d.db")
    command.downgrade(alembic_config(store.engine), "-1")
    assert not schema_is_current(store.engine)
    store.engine.dispose()
    again = open_store(tmp_path / "d.db")
    try:
        assert schema_is_current(again.engine)
        assert current_revision(again.engine) == head_revision()
    finally:
        again.engine.dispose()


def test_version_answers_without_importing_the_app(tmp_path: Path) -> None:
    code = (
        "import sys, json; from directory_app.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('argparse', 'sqlalchemy', 'alembic', 'PySide6') or m.startswith('directory_app.core.'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout.splitlines()
    assert out[0].startswith("directory-app ")
    loaded = [m for m in json.loads(out[-1]) if m != "directory_app.core.paths"]
    assert loaded == []
