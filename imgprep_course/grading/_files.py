"""Find and read submissions without trusting the file system they sit on.

A submission is a regular file, found by name or in a named folder, read once, with a
size cap, through a descriptor opened with ``O_NOFOLLOW | O_NONBLOCK``: symbolic links
(to a classmate's notebook, to ``solutions/``, to ``/proc``), FIFOs, devices, sockets,
files of ``/proc`` or ``/sys`` and files larger than the cap are refused, each with a
reason, and never opened for reading (a FIFO could block, a device or ``/proc`` file
could never end). Folders are searched without following links.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

#: The largest notebook read (solutions with all their figures are a few MiB).
MAX_NOTEBOOK_BYTES = 32 * 2**20
#: How deep folders are searched, and how many entries at most.
MAX_DEPTH, MAX_ENTRIES = 32, 100_000
_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket",
          stat.S_IFDIR: "a folder"}


class Refused(ValueError):
    """A named or found file is not something the grader reads."""


@dataclass(frozen=True)
class Found:
    """A file to grade, or one refused before reading (``refusal`` says why)."""

    path: Path
    refusal: str | None = None


def _kind(mode: int) -> str:
    return "a symbolic link" if stat.S_ISLNK(mode) else _KINDS.get(
        stat.S_IFMT(mode), "not a regular file")


def collect(paths, exclude: Path | None = None) -> list[Found]:
    """The notebooks named by ``paths``: files as given, folders searched recursively for
    ``*.ipynb`` (skipping ``.ipynb_checkpoints`` and the folder ``exclude``).

    Nothing is followed: a symbolic link, FIFO or device named or found comes back
    refused, with the reason.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.ipynb").write_text("{}")
    >>> (folder / "b.ipynb").symlink_to(folder / "a.ipynb")
    >>> [(f.path.name, f.refusal) for f in collect([folder])]
    [('a.ipynb', None), ('b.ipynb', 'refused: a symbolic link (not followed)')]
    """
    found: list[Found] = []
    excluded = Path(exclude).resolve() if exclude is not None else None
    for name in paths:
        path = Path(name)
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            raise FileNotFoundError(f"no such file or folder: {path}") from None
        if stat.S_ISDIR(mode):
            found += _search(path, excluded)
        elif stat.S_ISREG(mode):
            found.append(Found(path))
        else:
            found.append(Found(path, f"refused: {_kind(mode)} (not followed)"))
    unique: dict[Path, Found] = {}
    for item in found:
        unique.setdefault(item.path, item)
    return list(unique.values())


def _search(folder: Path, excluded: Path | None) -> list[Found]:
    found, pending, seen = [], [(folder, 0)], 0
    while pending:
        current, depth = pending.pop()
        if excluded is not None and current.resolve() == excluded:
            continue
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as error:
            found.append(Found(current, f"refused: cannot list it ({error.strerror})"))
            continue
        below = []
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                raise ValueError(f"{folder} holds more than {MAX_ENTRIES} entries")
            path = Path(entry.path)
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                if entry.name != ".ipynb_checkpoints" and depth < MAX_DEPTH:
                    below.append((path, depth + 1))
            elif stat.S_ISLNK(mode):
                if entry.name.endswith(".ipynb") or os.path.isdir(path):
                    found.append(Found(path, "refused: a symbolic link (not followed)"))
            elif entry.name.endswith(".ipynb"):
                found.append(Found(path, None if stat.S_ISREG(mode) else
                                   f"refused: {_kind(mode)} (not followed)"))
        pending += reversed(below)
    return sorted(found, key=lambda f: f.path)


def _special_devices() -> set[int]:
    devices = set()
    for name in ("/proc", "/sys", "/dev"):
        try:
            devices.add(os.stat(name).st_dev)
        except OSError:
            pass
    return devices


@dataclass(frozen=True)
class Submission:
    """A submission's bytes, with what its file said about itself."""

    path: Path
    data: bytes
    links: int


def read_submission(path: Path, max_bytes: int = MAX_NOTEBOOK_BYTES) -> Submission:
    """Read a regular file once, at most ``max_bytes``; :class:`Refused` if it is not one.

    Examples
    --------
    >>> read_submission(Path("/dev/null"))
    Traceback (most recent call last):
    ...
    imgprep_course.grading._files.Refused: refused: a character device, not a notebook
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if os.path.islink(path):
            raise Refused("refused: a symbolic link (not followed)") from None
        raise Refused(f"refused: cannot open it ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"refused: {_kind(info.st_mode)}, not a notebook")
        if info.st_dev in _special_devices():
            raise Refused("refused: a file of /proc, /sys or /dev, not a notebook")
        if info.st_size > max_bytes:
            raise Refused(f"refused: {info.st_size} bytes, more than the "
                          f"{max_bytes // 2**20} MiB a notebook may have")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise Refused(f"refused: more than the {max_bytes // 2**20} MiB a notebook "
                          "may have")
        return Submission(Path(path), b"".join(chunks), info.st_nlink)
    finally:
        os.close(fd)
