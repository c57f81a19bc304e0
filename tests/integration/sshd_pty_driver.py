#!/usr/bin/python3
"""sshd_pty_driver: run a command (the stock ssh client) on a pseudo-terminal
and drive it like a person at a keyboard, for tests/integration/sshd_pty.sh.

    sshd_pty_driver.py ROWS COLS TRANSCRIPT -- CMD ARGS... < STEPS

STEPS, one per line, VERB<TAB>ARG[<TAB>DESCRIPTION]:
    expect ERE      wait until the output since the last match matches
    send TEXT       type TEXT; backslash escapes (\\r, \\x03) are decoded
    resize R C      change the terminal size; the kernel sends SIGWINCH to ssh
    eof             wait for the command to exit
Every step prints "ok", "FAIL" or "notrun", a tab and its description on
stdout; the first failure stops the run.  The last line is "exit N" (the
command's status, or -SIG).
The full output goes to TRANSCRIPT.  A step that waits longer than
STEP_TIMEOUT_S fails: a hang guard, not a timing assertion.
"""

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

STEP_TIMEOUT_S = 30.0
READ_CHUNK = 65536


def set_winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    argv = sys.argv[1:]
    if len(argv) < 5 or argv[3] != "--":
        sys.stderr.write(__doc__)
        return 2
    rows, cols, transcript_path = int(argv[0]), int(argv[1]), argv[2]
    cmd = argv[4:]
    steps = [line.rstrip("\n") for line in sys.stdin if line.strip()]

    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    set_winsize(fd, rows, cols)
    transcript = open(transcript_path, "wb")
    buf = b""
    pos = 0
    status = None

    def pump(deadline):
        """Read what is there until deadline; False when the pty closed."""
        nonlocal buf
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                return True
            try:
                data = os.read(fd, READ_CHUNK)
            except OSError:
                return False
            if not data:
                return False
            buf += data
            transcript.write(data)
            transcript.flush()
            return True

    failed = False
    for n, step in enumerate(steps):
        verb, _, rest = step.partition("\t")
        arg, _, desc = rest.partition("\t")
        if failed:
            print("notrun\t" + desc, flush=True)
            continue
        ok = True
        if verb == "expect":
            rx = re.compile(arg.encode())
            deadline = time.monotonic() + STEP_TIMEOUT_S
            while True:
                m = rx.search(buf, pos)
                if m:
                    pos = m.end()
                    break
                if time.monotonic() >= deadline or not pump(deadline):
                    m = rx.search(buf, pos)
                    if m:
                        pos = m.end()
                    else:
                        ok = False
                    break
        elif verb == "send":
            os.write(fd, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif verb == "resize":
            r, c = arg.split()
            set_winsize(fd, int(r), int(c))
            # pty.fork made the child a session leader on this terminal, so
            # the kernel signals it; signal explicitly too in case it races.
            os.kill(pid, signal.SIGWINCH)
        elif verb == "eof":
            deadline = time.monotonic() + STEP_TIMEOUT_S
            while pump(deadline) and time.monotonic() < deadline:
                pass
            ok = time.monotonic() < deadline
        else:
            ok = False
        print(("ok\t" if ok else "FAIL\t") + desc, flush=True)
        if not ok:
            failed = True

    if failed:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while status is None:
        wpid, st = os.waitpid(pid, os.WNOHANG)
        if wpid:
            status = os.WEXITSTATUS(st) if os.WIFEXITED(st) else -os.WTERMSIG(st)
            break
        if time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)
        pump(time.monotonic() + 0.1)
    transcript.close()
    print("exit %d" % status, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
