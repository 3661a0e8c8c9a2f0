"""Writing a file so that readers only ever see the old complete file or the new complete one.

An export is often written over the previous one (a shared folder a colleague's tool reads, a
nightly script). Written in place, a crash, a full disk or Ctrl+C half-way would leave half a
file that still parses as far as it goes. So every export is written to a temporary file in the
*same folder* (a rename is only atomic within one file system), flushed and fsynced, and only
then renamed over the target with `os.replace`; the folder is fsynced too so the rename itself
survives a power cut. On any error the temporary file is removed and the target is untouched.

The temporary file is created owner-only (0600) by `tempfile.mkstemp`; when it replaces an
existing file, that file's permission bits are kept, so re-exporting never widens or narrows
who may read it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; Windows cannot open folders, and needs not)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_text(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """`with atomic_text(path) as fh: fh.write(...)` - the target appears only when the block
    ends without an exception. Writes UTF-8; line ends are written exactly as given."""
    with _atomic(Path(path), "w") as fh:
        yield fh  # type: ignore[misc]


@contextlib.contextmanager
def atomic_binary(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Like `atomic_text`, for bytes (a PDF, an image)."""
    with _atomic(Path(path), "wb") as fh:
        yield fh  # type: ignore[misc]


@contextlib.contextmanager
def _atomic(target: Path, mode: str) -> Iterator[IO[str] | IO[bytes]]:
    """Yield a temporary file beside `target`; rename it over `target` when the block
    succeeds, remove it when the block fails."""
    folder = target.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        text = {"encoding": "utf-8", "newline": ""} if mode == "w" else {}
        with os.fdopen(fd, mode, **text) as fh:  # type: ignore[call-overload]
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace `path` with `text` (UTF-8) atomically."""
    with atomic_text(path) as fh:
        fh.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace `path` with `data` atomically."""
    with atomic_binary(path) as fh:
        fh.write(data)
