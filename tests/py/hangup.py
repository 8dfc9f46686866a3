"""A ZeroMQ PUSH writer that hangs up last (docs/protocol.md, "End of
stream"): after its end-of-stream frame it keeps each connection until the
peer has closed it or the kernel holds none of its bytes (SIOCOUTQ 0),
then closes.  libzmq 4.3 can drop the tail of a connection closed while its
reader's queue is full, so a writer that closes at once loses frames to a
reader with a small ZMQ_RCVHWM (libstream readers keep 16 messages).

    mon = watch(sock)          # before connect or bind
    ... send ...
    hang_up_last(sock, mon)    # then sock.close()
"""
import fcntl
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


def hang_up_last(sock, mon, timeout=30.0):
    """Wait (at most timeout s) until every connection was closed by its
    peer or has nothing left in the kernel; stop the monitor."""
    fds, seen, quiet = set(), False, 0
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        while mon.poll(0):
            ev = parse_monitor_message(mon.recv_multipart())
            if ev['event'] in (zmq.EVENT_CONNECTED, zmq.EVENT_ACCEPTED):
                fds.add(ev['value'])
                seen = True
            elif ev['event'] == zmq.EVENT_DISCONNECTED:
                fds.discard(ev['value'])
        if seen and not fds:
            break
        quiet = quiet + 1 if all(outq(fd) == 0 for fd in fds) else 0
        if quiet >= 3:
            break
        mon.poll(2 if quiet else 10)
    sock.disable_monitor()
    mon.close(0)
