"""Writing outputs completely or not at all: the one atomic writer every output uses.

A folder or file is written under a temporary name beside its destination and moved into
place when complete. Temporary names carry the writer's process id
(``.NAME.migrasome-tmp-PID-XXXX``), so a later run recognises what a killed run left behind
and removes it. Outputs get the permissions the user's umask gives a new file or folder
(usually 0644 / 0755), so colleagues on a shared server can read them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .errors import MigrasomeWarning

__all__ = ["atomic_dir", "atomic_file", "replace_dir", "json_default", "check_output_path",
           "OutputPathError", "OutputExistsError", "stale_temporaries"]

_TAG = "migrasome-tmp"


class OutputPathError(ValueError):
    """An output path that cannot be written, with why and what to do."""


class OutputExistsError(OutputPathError, FileExistsError):
    """The output exists and may not be replaced."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{_TAG}-{os.getpid()}-{secrets.token_hex(3)}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Temporaries of ``path`` left by writers that no longer run (killed mid-write)."""
    path = Path(path)
    out = []
    for p in path.parent.glob(f".{path.name}.{_TAG}-*"):
        pid = p.name.rsplit(f".{_TAG}-", 1)[-1].split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            out.append(p)
    return out


def _remove_stale(path: Path) -> None:
    for p in stale_temporaries(path):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        warnings.warn(f"removed {p.name}, left by an interrupted earlier write of {path.name}",
                      MigrasomeWarning, stacklevel=3)


def check_output_path(path: str | os.PathLike, *, overwrite: bool = False,
                      kind: str = "folder") -> Path:
    """Check, before any work, that ``path`` can be written as an output.

    Parameters
    ----------
    path : path-like
        The output folder or file.
    overwrite : bool
        Whether an existing output may be replaced.
    kind : {"folder", "file"}
        What will be written there.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputPathError
        If it exists (without ``overwrite``), is of the other kind, or its first existing
        ancestor is not a writable folder.
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not overwrite:
            raise OutputExistsError(f"{path} exists; choose another output path or overwrite "
                                    "(CLI: --overwrite)")
        is_dir = path.is_dir()
        if kind == "folder" and not is_dir:
            raise OutputPathError(f"{path} is a file, not a results folder; --overwrite "
                                  "replaces folders this package wrote, not other files")
        if kind == "file" and is_dir:
            raise OutputPathError(f"{path} is a folder; give a file name")
    parent = path.parent
    while not parent.exists():
        if parent.is_symlink():  # a dangling link
            raise OutputPathError(f"cannot write {path}: {parent} is a broken link")
        parent = parent.parent
    if not parent.is_dir():
        raise OutputPathError(f"cannot write {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot write {path}: no permission to write in {parent}")
    probe = parent / f".{path.name}.{_TAG}-{os.getpid()}-probe"
    try:  # permissions do not tell everything (root, read-only mounts, /proc)
        probe.mkdir()
        probe.rmdir()
    except OSError as e:
        raise OutputPathError(f"cannot write {path}: {parent} does not accept new files "
                              f"({e.strerror})") from None
    return path


@contextmanager
def atomic_dir(path: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; move it to ``path`` if the block completes.

    On any exception (an interrupt included) the temporary folder is removed and ``path``
    is left as it was. Temporaries of earlier writers that were killed are removed first.

    Raises
    ------
    OutputPathError
        If ``path`` cannot be written (see :func:`check_output_path`).
    """
    path = check_output_path(path, overwrite=overwrite, kind="folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path)
    tmp = _tmp_name(path)
    tmp.mkdir(mode=0o777 & ~_umask())
    try:
        yield tmp
        replace_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def atomic_file(path: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary file name beside ``path`` (same suffix); move it into place if the
    block completes, with the permissions the umask gives a new file.

    Raises
    ------
    OutputPathError
        If ``path`` cannot be written (see :func:`check_output_path`).
    """
    path = check_output_path(path, overwrite=overwrite, kind="file")
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path)
    tmp = _tmp_name(path)
    tmp = tmp.with_name(tmp.name + (path.suffix or ".tmp"))  # writers choose format by suffix
    try:
        yield tmp
        if tmp.exists():
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def replace_dir(tmp: Path, path: Path) -> None:
    """Move the finished folder ``tmp`` to ``path``, replacing the folder that was there."""
    if path.exists():
        old = _tmp_name(path)
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


def json_default(o: Any) -> Any:
    """``json.dumps`` fallback for NumPy scalars and arrays and paths."""
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")
