"""Confine the grader's child process (standard library only).

The child runner calls :func:`confine` before it runs any student code. In new user,
mount, PID, network, IPC and UTS namespaces it builds a *new root* out of what the
answer may see, and nothing else:

* an empty tmpfs as ``/``, read-only once built;
* read-only bind mounts of the paths the grader lists (the Python standard library, the
  installed packages answers may use, the shared libraries, ``/dev/null`` and a few
  other devices), each at its own path;
* a private tmpfs at ``/tmp`` (the answer's scratch space and current directory,
  ``scratch_bytes`` large, gone when it ends), and a ``/proc`` of its own PID namespace;
* no network (a fresh network namespace has only a loopback device, down), no other
  process (the answer is PID 1 of its PID namespace).

So the course checkout, the home directory, the submissions, the output folder, other
copies of the course or of pycocotools and every Unix socket are not hidden: they are
simply not there, wherever they are on the machine.

:func:`drop_privileges` then, in any mode, drops every capability (or all but
``CAP_DAC_READ_SEARCH`` for an answer moved to an unprivileged uid), sets
``no_new_privs``, restricts the file system with Landlock where the kernel has it (read
the listed paths, write only the scratch space; no signals or abstract sockets outside
the answer's process) and installs a seccomp filter that refuses new processes and
threads, programs, namespaces, mounts, ptrace, sockets, file handles and signals to any
process but the answer's own.

It needs unprivileged user namespaces (or root) for :func:`confine`; where they are
missing, :func:`confine` raises :class:`SandboxError` and the caller decides what to do.

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
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS = 1, 8, 38
PR_SET_SECUREBITS, PR_SET_SECCOMP = 28, 22
SECBIT_NOROOT, SECBIT_NOROOT_LOCKED = 1, 2
CAP_DAC_READ_SEARCH = 2
#: Per architecture: the AUDIT_ARCH value; the system calls refused once the answer
#: runs (clone, fork, vfork, clone3, execve, execveat, unshare, setns, mount, umount2,
#: pivot_root, chroot, ptrace, process_vm_readv/writev, the new mount API, socket,
#: open_by_handle_at, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open,
#: pidfd_send_signal); the calls allowed only with the answer's own pid as first argument
#: (kill, tkill, tgkill); and the pivot_root and umount2 numbers used while building.
_SYSCALLS = {
    "x86_64": (0xC000003E, (56, 57, 58, 435, 59, 322, 272, 308, 165, 166, 155, 161, 101,
                            310, 311, 428, 429, 430, 431, 432, 433, 442, 41, 304, 129,
                            297, 434, 424), (62, 200, 234), 155, 166),
    "aarch64": (0xC00000B7, (220, 435, 221, 281, 97, 268, 40, 39, 41, 51, 117, 270, 271,
                             428, 429, 430, 431, 432, 433, 442, 198, 265, 138, 240, 434,
                             424), (129, 130, 131), 41, 39),
}
_LOCKED_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                 "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME,
                 "relatime": MS_RELATIME}
_LANDLOCK_CREATE, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT = 444, 445, 446


class SandboxError(OSError):
    """The confinement could not be set up on this machine."""


def _libc():
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                           ctypes.c_ulong, ctypes.c_void_p]
    libc.syscall.restype = ctypes.c_long
    return libc


def _check(result: int, what: str) -> None:
    if result < 0:
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


def _locked_flags(path: str, mounts) -> int:
    """The per-mount flags of the mount holding ``path``, which a bind mount must keep."""
    options = set()
    for point, opts in mounts:  # the last (deepest) matching mount wins
        if path == point or path.startswith(point.rstrip("/") + "/"):
            options = opts
    keep = sum(flag for name, flag in _LOCKED_FLAGS.items() if name in options)
    if not options & {"relatime", "noatime"}:  # mountinfo shows strictatime as neither
        keep |= MS_STRICTATIME
    return keep


def confine(exposed: list[str], scratch_bytes: int = 64 * 2**20,
            mount_point: str = "/tmp") -> int:
    """Enter the namespaces and fork; return 0 in the confined child, else its pid.

    In the parent, which stays outside the PID namespace, the return value is the
    child's pid: the parent only waits for it. The confined child is PID 1 of its
    namespace, in a new root that holds ``exposed`` (read-only) and an empty, private
    ``/tmp`` of ``scratch_bytes`` (its current directory); ``mount_point`` is an
    existing, empty folder the new root is built on. Call :func:`drop_privileges` in the
    child once the last trusted set-up step is done.
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
    pid = os.fork()
    if pid:
        return pid
    libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
    os.setsid()  # out of the parent's process group: kill(0, ...) cannot reach it
    _new_root(libc, os.path.realpath(mount_point), exposed, scratch_bytes)
    return 0


def _new_root(libc, root: str, exposed: list[str], scratch_bytes: int) -> None:
    """Build the new root on ``root`` and move into it (``/tmp`` as current folder)."""
    mounts = _mounts()
    _check(libc.mount(b"tmpfs", root.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                      b"size=4m,mode=755"), "mount the new root")
    for path in exposed:
        _expose(libc, root, path, mounts)
    for name in ("tmp", "proc"):
        os.makedirs(root + "/" + name, exist_ok=True)
    _check(libc.mount(b"tmpfs", (root + "/tmp").encode(), b"tmpfs",
                      MS_NOSUID | MS_NODEV | MS_NOEXEC,
                      f"size={scratch_bytes},mode=1777".encode()), "mount the scratch tmpfs")
    # Best effort: a /proc that shows only this namespace's processes (some container
    # runtimes forbid it; then there is no /proc at all).
    libc.mount(b"proc", (root + "/proc").encode(), b"proc",
               MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, None)
    os.chdir(root)
    machine = platform.machine()
    if machine not in _SYSCALLS:
        raise SandboxError(0, f"no system call table for the {machine} architecture")
    pivot, umount = _SYSCALLS[machine][3:]
    _check(libc.syscall(pivot, b".", b"."), "pivot_root")
    _check(libc.syscall(umount, b".", MNT_DETACH), "detach the old root")
    os.chdir("/")
    _check(libc.mount(None, b"/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID
                      | MS_NODEV, None), "make the new root read-only")
    os.chdir("/tmp")


def _expose(libc, root: str, path: str, mounts) -> None:
    """Bind ``path`` read-only at the same place under ``root``, with the symbolic links
    on the way to it recreated (so every spelling of it that Python uses works)."""
    real = _mirror_links(root, path)
    if real is None:
        return
    target = root + real
    if os.path.isdir(real):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    source, destination = real.encode(), target.encode()
    if libc.mount(source, destination, None, MS_BIND, None) < 0:
        _check(libc.mount(source, destination, None, MS_BIND | MS_REC, None),
               f"bind {real}")
    keep = _locked_flags(real, mounts) | MS_NOSUID
    if not real.startswith("/dev/"):
        keep |= MS_NODEV
    _check(libc.mount(None, destination, None, MS_REMOUNT | MS_BIND | MS_RDONLY | keep,
                      None), f"make {real} read-only")


def _mirror_links(root: str, path: str) -> str | None:
    """Recreate under ``root`` the symbolic links met on the way to ``path``; return
    the real path (None if it does not exist)."""
    current = "/"
    parts = [p for p in path.split("/") if p]
    for depth in range(100):  # a bound: loops of links end here
        if not parts:
            return current if os.path.exists(current) else None
        step = os.path.join(current, parts.pop(0))
        if os.path.islink(step):
            link = os.readlink(step)
            mirrored = root + step
            os.makedirs(os.path.dirname(mirrored), exist_ok=True)
            if not os.path.lexists(mirrored):
                os.symlink(link, mirrored)
            target = os.path.normpath(os.path.join(current, link))
            parts = [p for p in target.split("/") if p] + parts
            current = "/"
        else:
            current = step
    return None


def drop_privileges(readable: list[str] = (), writable: list[str] = (),
                    listable: list[str] = (), *, keep_read_search: bool = False) -> bool:
    """No capabilities (but ``CAP_DAC_READ_SEARCH`` with ``keep_read_search``), no new
    privileges, no new processes, threads, programs or sockets, no signals but to this
    process; where the kernel has Landlock, no file but ``readable`` (read) and
    ``writable`` (read and write), and no folder listed but those and ``listable`` (the
    folders Python imports from, which its import system lists). Return whether Landlock
    was applied."""
    libc = _libc()
    machine = platform.machine()
    if machine not in _SYSCALLS:
        raise SandboxError(0, f"no seccomp filter for the {machine} architecture")
    libc.prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0)  # if allowed
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    caps = (Data * 2)()
    if keep_read_search:
        caps[0].effective = caps[0].permitted = 1 << CAP_DAC_READ_SEARCH
    _check(libc.capset(ctypes.byref(Header(0x20080522, 0)), caps), "drop capabilities")
    try:  # after capset: the rules' paths are opened with the capabilities kept
        landlocked = _landlock(libc, readable, writable, listable)
    except SandboxError:  # a kernel that refuses a rule: seccomp still goes on
        landlocked = False
    arch, refused, self_only = _SYSCALLS[machine][:3]
    _install_seccomp(libc, arch, refused, self_only, os.getpid())
    return landlocked


def become(uid: int, *, keep_read_search: bool) -> None:
    """Switch to ``uid`` (as user and group, no supplementary groups), keeping
    ``CAP_DAC_READ_SEARCH`` in the permitted set with ``keep_read_search``. Root only."""
    libc = _libc()
    if keep_read_search:
        _check(libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "keep capabilities")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


# ----------------------------------------------------------------------------- Landlock

class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    """The Landlock ABI version of this kernel (0: none)."""
    libc = _libc()
    version = libc.syscall(_LANDLOCK_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(int(version), 0)


def _landlock(libc, readable, writable, listable) -> bool:
    abi = landlock_abi()
    if abi < 1:
        return False
    fs = (1 << 13) - 1 | (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0) \
        | (1 << 15 if abi >= 5 else 0)
    attr = _RulesetAttr(fs, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = libc.syscall(_LANDLOCK_CREATE, ctypes.byref(attr), ctypes.c_size_t(size),
                           ctypes.c_uint32(0))
    _check(ruleset, "create a Landlock ruleset")
    execute, write, read_file, read_dir = 1, 2, 4, 8
    file_rights = execute | write | read_file | (1 << 14 if abi >= 3 else 0)
    try:
        for paths, rights in ((listable, read_dir), (readable, execute | read_file | read_dir),
                              (writable, fs)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    allowed = rights if os.path.isdir(path) else rights & file_rights
                    if paths is writable and not os.path.isdir(path):
                        allowed = write | read_file
                    rule = _PathBeneath(allowed, fd)
                    _check(libc.syscall(_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule),
                                        0), f"allow {path}")
                finally:
                    os.close(fd)
        _check(libc.syscall(_LANDLOCK_RESTRICT, ruleset, 0), "restrict with Landlock")
    finally:
        os.close(ruleset)
    return True


# ------------------------------------------------------------------------------ seccomp

class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _install_seccomp(libc, arch: int, refused, self_only, pid: int) -> None:
    """A BPF filter: EPERM for ``refused`` system calls, for ``self_only`` ones whose first
    argument is not ``pid``, and for other ABIs; else allow."""
    load, jump_eq, jump_ge, ret = 0x20, 0x15, 0x35, 0x06
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO|EPERM
    # (operation, jump if true, jump if false, constant); jumps name labels, forward only.
    program = [(load, None, None, 4), (jump_eq, None, "deny", arch), (load, None, None, 0),
               (jump_ge, "deny", None, 0x40000000)]
    program += [(jump_eq, "deny", None, number) for number in refused]
    program += [(jump_eq, "check", None, number) for number in self_only]
    program += [(ret, None, None, allow), "check",
                (load, None, None, 16), (jump_eq, None, "deny", pid),  # first argument ==
                (load, None, None, 20), (jump_eq, None, "deny", 0),    # pid, high word 0
                (ret, None, None, allow), "deny", (ret, None, None, deny)]
    labels, rows = {}, []
    for item in program:
        if isinstance(item, str):
            labels[item] = len(rows)
        else:
            rows.append(item)

    def offset(label, position):
        return 0 if label is None else labels[label] - position - 1

    code = [_Filter(op, offset(jt, i), offset(jf, i), k)
            for i, (op, jt, jf, k) in enumerate(rows)]
    filters = (_Filter * len(code))(*code)
    program = _Program(len(code), filters)
    _check(libc.prctl(PR_SET_SECCOMP, 2, ctypes.byref(program), 0, 0), "install seccomp")


def _probe(readable: list[str]) -> int:
    """Exit status 0 when :func:`confine` and :func:`drop_privileges` work here."""
    scratch = os.path.realpath(os.getcwd())
    try:
        child = confine(readable, 2**20, scratch)
    except (SandboxError, OSError) as error:
        print(f"the sandbox cannot be set up: {error}", file=sys.stderr)
        return 1
    if child == 0:
        try:
            drop_privileges(readable, ["/tmp"], [])
            ok = os.getpid() == 1 and os.path.isdir("/tmp") and not os.path.exists(scratch)
        except (SandboxError, OSError) as error:
            print(f"the sandbox cannot be set up: {error}", file=sys.stderr)
            os._exit(1)
        os._exit(0 if ok else 2)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":  # ``python -I -S _sandbox.py PATH...``: the grader's probe
    sys.exit(_probe(sys.argv[1:]))
