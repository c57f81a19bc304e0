#!/usr/bin/python3
"""sshd_privsep_probe: what the calling user can do to other processes, for
tests/integration/sshd_privsep.sh.  Run inside a session, as the user.

    sshd_privsep_probe.py PID...

For each PID prints one line:
    PID signal=R ptrace=R mem=R fd=R environ=R
with R "denied" or "ALLOWED".  signal is kill(PID, 0) (which checks the
permission without sending anything); ptrace is PTRACE_ATTACH, detached at
once if it succeeded; mem opens /proc/PID/mem for writing; fd lists
/proc/PID/fd; environ reads /proc/PID/environ.
"""

import ctypes
import os
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


def main():
    for arg in sys.argv[1:]:
        pid = int(arg)
        res = [
            ("signal", probe_signal(pid)),
            ("ptrace", probe_ptrace(pid)),
            ("mem", probe_open("/proc/%d/mem" % pid, "r+b", read=False)),
            ("fd", probe_listdir("/proc/%d/fd" % pid)),
            ("environ", probe_open("/proc/%d/environ" % pid, "rb")),
        ]
        print(pid, " ".join("%s=%s" % (k, "ALLOWED" if v else "denied") for k, v in res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
