"""The loopback baseline: a plain HTTP server that answers every GET with one file sent by
os.sendfile, the least work a server can do per byte. The pulls are compared with it.

    python3 sendfile_server.py PORT FILE

Serves one connection at a time, keep-alive, until killed; exits by itself after an hour."""
import os
import signal
import socket
import sys


def serve(port, path):
    signal.alarm(3600)  # bounded even if the parent dies without killing it
    size = os.path.getsize(path)
    fd = os.open(path, os.O_RDONLY)
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode()
    with socket.socket() as ls:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", port))
        ls.listen(8)
        print("ready", flush=True)
        while True:
            conn, _ = ls.accept()
            with conn:
                buf = b""
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    buf += data
                    while b"\r\n\r\n" in buf:
                        _, buf = buf.split(b"\r\n\r\n", 1)
                        conn.sendall(head)
                        off = 0
                        while off < size:
                            off += os.sendfile(conn.fileno(), fd, off, size - off)


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2])
