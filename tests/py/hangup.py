"""A ZeroMQ PUSH writer that hangs up last (docs/protocol.md, "End of
stream"; the same rule as zmq_finish() in libstream/stream.c): after its
end-of-stream frame it keeps each connection until the peer has closed it,
or until nothing of its stream is left on its side: the kernel holds none
of its bytes (SIOCOUTQ 0) while its libzmq I/O thread sleeps with no work
(no message left in the socket's pipe or the engine's buffer), then
closes.  libzmq 4.3 drops what its ipc reader's kernel queue still holds
when the writer closes while the reader's queue (ZMQ_RCVHWM) is full, so
closing on SIOCOUTQ 0 alone lost the tail whenever the I/O thread had not
yet written the last messages (tests/e2e/tap_zmq.sh, loaded machine).

    sock.setsockopt(zmq.IMMEDIATE, 1)   # no message queued before the handshake
    mon = watch(sock)                   # before connect or bind
    ... send ...
    hang_up_last(sock, mon)             # then sock.close()
"""
import fcntl
import os
import struct
import termios
import time

import zmq
from zmq.utils.monitor import parse_monitor_message

EVENTS = zmq.EVENT_CONNECTED | zmq.EVENT_ACCEPTED | zmq.EVENT_DISCONNECTED


def watch(sock):
    return sock.get_monitor_socket(EVENTS)


def outq(fd):
    try:
        b = fcntl.ioctl(fd, termios.TIOCOUTQ, b'\0\0\0\0')  # SIOCOUTQ
    except OSError:
        return 0
    return struct.unpack('i', b)[0]


def io_threads():
    """The task directories of this process's libzmq I/O threads."""
    out = []
    for t in os.listdir('/proc/self/task'):
        try:
            with open('/proc/self/task/%s/comm' % t) as f:
                if '/IO/' in f.read():
                    out.append('/proc/self/task/%s' % t)
        except OSError:
            pass
    return out


def io_state(tasks):
    """(all asleep, their times on a CPU) or None if unreadable."""
    asleep, runs = True, []
    for t in tasks:
        try:
            with open(t + '/stat') as f:
                st = f.read().rsplit(')', 1)[1].split()[0]
            with open(t + '/schedstat') as f:
                runs.append(int(f.read().split()[2]))
        except (OSError, IndexError, ValueError):
            return None
        asleep = asleep and st == 'S'
    return asleep, runs


def hang_up_last(sock, mon, timeout=30.0):
    """Wait (at most timeout s) until every connection was closed by its
    peer, or the kernel holds nothing of ours while the I/O threads sleep
    untouched over 3 looks; stop the monitor."""
    fds, seen, quiet, base = set(), False, 0, None
    tasks = io_threads()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        while mon.poll(0):
            ev = parse_monitor_message(mon.recv_multipart())
            if ev['event'] in (zmq.EVENT_CONNECTED, zmq.EVENT_ACCEPTED):
                fds.add(int(ev['value']))
                seen = True
            elif ev['event'] == zmq.EVENT_DISCONNECTED:
                fds.discard(int(ev['value']))
        if seen and not fds:
            break
        a = io_state(tasks)
        empty = seen and all(outq(fd) == 0 for fd in fds)
        b = io_state(tasks)
        idle = a is not None and a[0] and b is not None and b[0] and a[1] == b[1]
        if empty and idle and (quiet == 0 or b[1] == base):
            if quiet == 0:
                base = b[1]
            quiet += 1
        else:
            quiet = 0
        if quiet >= 3:
            break
        mon.poll(2 if quiet else 10)
    sock.disable_monitor()
    mon.close(0)
