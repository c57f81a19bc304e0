#!/usr/bin/python3
"""sshd_privsep_probe: what the calling user can do to other processes, for
tests/integration/sshd_privsep.sh.  Run inside a session, as the user.

    sshd_privsep_probe.py PID...
    sshd_privsep_probe.py --fds [PID...]

For each PID prints one line:
    PID signal=R ptrace=R mem=R fd=R environ=R cont=R kill9=R
with R "denied" or "ALLOWED".  signal is kill(PID, 0) (which checks the
permission without sending anything); ptrace is PTRACE_ATTACH, detached at
once if it succeeded; mem opens /proc/PID/mem for writing; fd lists
/proc/PID/fd; environ reads /proc/PID/environ; cont sends SIGCONT (which
Linux allows within one session whatever the uids: harmless, and telling);
kill9 really sends SIGKILL, last, so a success shows as a dead process too
(not to this probe's parent, the session's shell, which serves as control).

With --fds, prints "fds PID N=TARGET ..." for each PID (default: this
process, i.e. what the session handed down), N the open descriptors.
"""

import ctypes
import os
import signal
import sys

PTRACE_ATTACH = 16
PTRACE_DETACH = 17


def probe_signal(pid):
    try:
        os.kill(pid, 0)
        return True
    except PermissionError:
        return False
    except ProcessLookupError:
        return False


def probe_ptrace(pid):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    if libc.ptrace(PTRACE_ATTACH, pid, None, None) == 0:
        os.waitpid(pid, getattr(os, "__WALL", 0x40000000))
        libc.ptrace(PTRACE_DETACH, pid, None, None)
        return True
    return False


def probe_open(path, mode, read=True):
    # Opening /proc/PID/mem is the permission check; offset 0 is unmapped.
    try:
        with open(path, mode) as f:
            if read:
                f.read(1)
        return True
    except OSError:
        return False


def probe_listdir(path):
    try:
        os.listdir(path)
        return True
    except OSError:
        return False


def probe_kill(pid, sig):
    try:
        os.kill(pid, sig)
        return True
    except OSError:
        return False


def open_fds(pid):
    """The descriptors of pid; for "self", without the one listdir used."""
    base = "/proc/%s/fd" % pid
    fds = []
    for name in sorted(os.listdir(base), key=int):
        try:
            fds.append("%s=%s" % (name, os.readlink("%s/%s" % (base, name))))
        except OSError:
            pass  # listdir's own directory descriptor, closed by now
    return fds


def main():
    if sys.argv[1:2] == ["--fds"]:
        for pid in sys.argv[2:] or ["self"]:
            print("fds", pid, " ".join(open_fds(pid)))
        return 0
    for arg in sys.argv[1:]:
        pid = int(arg)
        res = [
            ("signal", probe_signal(pid)),
            ("ptrace", probe_ptrace(pid)),
            ("mem", probe_open("/proc/%d/mem" % pid, "r+b", read=False)),
            ("fd", probe_listdir("/proc/%d/fd" % pid)),
            ("environ", probe_open("/proc/%d/environ" % pid, "rb")),
            ("cont", probe_kill(pid, signal.SIGCONT)),
        ]
        # never SIGKILL our own shell (the control): it holds the session
        if pid != os.getppid():
            res.append(("kill9", probe_kill(pid, signal.SIGKILL)))
        print(pid, " ".join("%s=%s" % (k, "ALLOWED" if v else "denied") for k, v in res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
