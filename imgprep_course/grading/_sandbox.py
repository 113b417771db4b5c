"""Confine the grader's child process with Linux namespaces (standard library only).

The child runner calls :func:`confine` before it runs any student code. In new user,
mount, PID, network, IPC and UTS namespaces it

* remounts every file system read-only, and puts a small, private tmpfs on the answer's
  scratch folder: the only place it can write, gone when it ends;
* hides folders (the reference package, the solutions) under empty read-only tmpfs;
* cuts the network (a fresh network namespace has only a loopback device, down);
* runs the answer as PID 1 of a new PID namespace, where no process of the grader, of
  other answers or of the machine can be seen or signalled;
* drops every capability and sets ``no_new_privs``, so nothing undoes the above;
* refuses, with a seccomp filter, the system calls that start processes or threads,
  run programs, or make namespaces and mounts (so a fork bomb cannot start).

It needs unprivileged user namespaces (or root). Where they are missing,
:func:`confine` raises :class:`SandboxError` and the caller decides what to do.

This module imports only the standard library: the child loads it by file path,
without importing ``imgprep_course``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 16384, 1 << 18, 1 << 21, 1 << 24
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_SECUREBITS, PR_SET_SECCOMP = 1, 38, 28, 22
SECBIT_NOROOT, SECBIT_NOROOT_LOCKED = 1, 2
#: Per architecture: (AUDIT_ARCH value, system calls refused once the answer runs:
#: clone, fork, vfork, clone3, execve, execveat, unshare, setns, mount, umount2,
#: pivot_root, chroot, ptrace, process_vm_writev and the new mount API).
_REFUSED_SYSCALLS = {
    "x86_64": (0xC000003E, (56, 57, 58, 435, 59, 322, 272, 308, 165, 166, 155, 161, 101,
                            311, 428, 429, 430, 431, 432, 433, 442)),
    "aarch64": (0xC00000B7, (220, 435, 221, 281, 97, 268, 40, 39, 41, 51, 117, 271,
                             428, 429, 430, 431, 432, 433, 442)),
}
_LOCKED_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                 "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME,
                 "relatime": MS_RELATIME}


class SandboxError(OSError):
    """The namespaces could not be set up on this machine."""


def _libc():
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                           ctypes.c_ulong, ctypes.c_void_p]
    return libc


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SandboxError(errno, f"{what}: {os.strerror(errno)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)


def _unescape(field: str) -> str:
    """Mount points in mountinfo escape space, tab, newline and backslash as octal."""
    for code in ("040", "011", "012", "134"):
        field = field.replace("\\" + code, chr(int(code, 8)))
    return field


def _mounts() -> list[tuple[str, set[str]]]:
    """(mount point, per-mount options) of every mount, parents before children."""
    result = []
    with open("/proc/self/mountinfo") as file:
        for line in file:
            fields = line.split()
            result.append((_unescape(fields[4]), set(fields[5].split(","))))
    return result


def confine(scratch: str, hide: list[str], scratch_bytes: int = 64 * 2**20) -> int:
    """Enter the namespaces and fork; return 0 in the confined child, else its pid.

    In the parent, which stays outside the PID namespace, the return value is the
    child's pid: the parent only waits for it. The confined child is PID 1 of its
    namespace, has ``scratch`` (an empty tmpfs of ``scratch_bytes``) as its only
    writable folder and its current directory, and cannot see the folders in ``hide``.
    Call :func:`drop_privileges` in the child once the last trusted set-up step is done.
    """
    libc = _libc()
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC \
        | CLONE_NEWUTS
    _check(libc.unshare(flags), "unshare")
    try:
        _write("/proc/self/setgroups", "deny")
    except FileNotFoundError:  # pragma: no cover - kernels before 3.19
        pass
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    scratch = os.path.realpath(scratch)
    _check(libc.mount(b"tmpfs", scratch.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                      f"size={scratch_bytes},mode=700".encode()), "mount the scratch tmpfs")
    for point, options in _mounts():
        if point == scratch or point.startswith(scratch + "/") or "ro" in options:
            continue
        keep = sum(flag for name, flag in _LOCKED_FLAGS.items() if name in options)
        if not options & {"relatime", "noatime"}:  # mountinfo shows strictatime as neither
            keep |= MS_STRICTATIME
        result = libc.mount(None, point.encode(), None,
                            MS_REMOUNT | MS_BIND | MS_RDONLY | keep, None)
        if result != 0 and os.path.exists(point):
            _check(result, f"make {point} read-only")
    for folder in hide:
        if os.path.isdir(folder):
            _check(libc.mount(b"tmpfs", os.path.realpath(folder).encode(), b"tmpfs",
                              MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, b"size=4k"),
                   f"hide {folder}")
    pid = os.fork()
    if pid:
        return pid
    libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
    os.setsid()  # out of the parent's process group: kill(0, ...) cannot reach it
    # Best effort: a /proc that shows only this namespace's processes (some container
    # runtimes forbid it; the PID namespace already keeps other processes out of reach).
    libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, None)
    os.chdir(scratch)
    return 0


def drop_privileges() -> None:
    """No capabilities, no new privileges, no new processes, threads or programs."""
    libc = _libc()
    machine = platform.machine()
    if machine not in _REFUSED_SYSCALLS:
        raise SandboxError(0, f"no seccomp filter for the {machine} architecture")
    libc.prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0)  # if allowed
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    _check(libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()), "drop capabilities")
    _install_seccomp(libc, *_REFUSED_SYSCALLS[machine])


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _install_seccomp(libc, arch: int, refused: tuple[int, ...]) -> None:
    """A BPF filter: EPERM for ``refused`` system calls and for other ABIs, else allow."""
    load, jump_eq, jump_ge, ret = 0x20, 0x15, 0x35, 0x06
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO|EPERM
    n = len(refused)
    code = [(load, 0, 0, 4), (jump_eq, 0, n + 3, arch), (load, 0, 0, 0),
            (jump_ge, n + 1, 0, 0x40000000)]
    code += [(jump_eq, n - i, 0, number) for i, number in enumerate(refused)]
    code += [(ret, 0, 0, allow), (ret, 0, 0, deny)]
    filters = (_Filter * len(code))(*[_Filter(*row) for row in code])
    program = _Program(len(code), filters)
    _check(libc.prctl(PR_SET_SECCOMP, 2, ctypes.byref(program), 0, 0), "install seccomp")


def _probe(scratch: str) -> int:
    """Exit status 0 when :func:`confine` and :func:`drop_privileges` work here."""
    try:
        child = confine(scratch, [])
    except (SandboxError, OSError) as error:
        print(f"the sandbox cannot be set up: {error}", file=sys.stderr)
        return 1
    if child == 0:
        try:
            drop_privileges()
        except SandboxError as error:
            print(f"the sandbox cannot be set up: {error}", file=sys.stderr)
            os._exit(1)
        os._exit(0 if os.getpid() == 1 else 2)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":  # ``python -I -S _sandbox.py SCRATCH``: the grader's probe
    sys.exit(_probe(sys.argv[1]))
