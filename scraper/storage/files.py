"""Files that appear whole or not at all: written aside, synced, then renamed into place."""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path


def inside(root: Path, relative: str | Path) -> Path:
    """`root / relative`, refusing any path (absolute, with "..", through a symlink) that leads out of `root`."""
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise ValueError(f"{str(relative)!r} leads out of {root}")
    return root / relative


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def atomic_write_text(path: Path, text: str) -> None:
    """`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


class Busy(RuntimeError):
    """Another process holds the lock."""


def hold_lock(path: Path) -> int:
    """Take an exclusive lock on `path` for as long as this process lives (or until `os.close`);
    `Busy` when another process holds it. The kernel drops the lock of a killed process."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise Busy(f"{path} is held by another run") from None
    return descriptor
