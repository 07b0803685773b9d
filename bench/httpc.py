"""A small keep-alive HTTP/1.1 client over raw sockets, for the benchmark.

Why not http.client: bodies are sent with os.sendfile from a page-cached file (so the client
costs almost no CPU while a 1 GiB blob goes up) and received with recv_into into one reused
buffer that is then dropped (so a pull measures the server and the loopback, not Python copies).
Only what the benchmark needs: Content-Length and chunked responses, no TLS, no redirects."""
import socket

RECV_BUF = 1 << 20
HEADER_MAX = 64 * 1024
TIMEOUT = 300


class HTTPError(Exception):
    """A response that was not what the benchmark expected."""


class Response:
    """Status, lower-cased headers, and the body (bytes, or None when it was discarded)."""

    def __init__(self, status, headers, body, nbytes):
        self.status = status
        self.headers = headers
        self.body = body
        self.nbytes = nbytes

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def expect(self, *statuses):
        """Raise HTTPError unless the status is one of statuses; returns self."""
        if self.status not in statuses:
            body = (self.body or b"")[:300]
            raise HTTPError(f"HTTP {self.status} (wanted {statuses}): {body!r}")
        return self


class BodyFile:
    """A request body taken from a file object opened "rb": `count` bytes at `offset`,
    then `suffix` bytes."""

    def __init__(self, file, offset, count, suffix=b""):
        self.file, self.offset, self.count, self.suffix = file, offset, count, suffix

    def __len__(self):
        return self.count + len(self.suffix)


class Conn:
    """One persistent connection to host:port; reconnects when the server closed it."""

    def __init__(self, host, port, timeout=TIMEOUT):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = None
        self.buf = bytearray(RECV_BUF)
        self.pending = b""  # bytes read past the end of the last response head

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None
        self.pending = b""

    def _connect(self):
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = b""

    def request(self, method, path, headers=None, body=None, keep_body=True):
        """Send one request and read the whole response. body: bytes, BodyFile or None.
        keep_body=False counts the body bytes into Response.nbytes without keeping them."""
        if self.sock is None:
            self._connect()
        try:
            self._send(method, path, headers or {}, body)
            return self._read(method, keep_body)
        except (ConnectionError, socket.timeout, HTTPError):
            self.close()
            raise

    def _send(self, method, path, headers, body):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        for k, v in headers.items():
            lines.append(f"{k}: {v}")
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body) if body is not None else 0}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if isinstance(body, BodyFile):
            self.sock.sendall(head)
            # socket.sendfile: os.sendfile that also waits out EAGAIN on a socket with a timeout
            sent = self.sock.sendfile(body.file, body.offset, body.count)
            if sent != body.count:
                raise HTTPError("sendfile: file shorter than expected")
            if body.suffix:
                self.sock.sendall(body.suffix)
        elif body:
            self.sock.sendall(head + body if len(body) < 256 * 1024 else head)
            if len(body) >= 256 * 1024:
                self.sock.sendall(body)
        else:
            self.sock.sendall(head)

    def _recv_some(self):
        if self.pending:
            data, self.pending = self.pending, b""
            return data
        n = self.sock.recv_into(self.buf)
        if n == 0:
            raise ConnectionError("server closed the connection")
        return bytes(self.buf[:n])

    def _read(self, method, keep_body):
        data = b""
        while b"\r\n\r\n" not in data:
            if len(data) > HEADER_MAX:
                raise HTTPError("response head too large")
            data += self._recv_some()
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        self.pending = rest
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body, n = b"", 0
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
            n = len(body)
        elif "content-length" in headers:
            n = int(headers["content-length"])
            body = self._read_exact(n, keep_body)
        else:
            raise HTTPError("response without length (connection-delimited) is not supported")
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, body if keep_body else None, n)

    def _read_exact(self, n, keep):
        parts = []
        if self.pending:
            take = self.pending[:n]
            self.pending = self.pending[n:]
            n -= len(take)
            if keep:
                parts.append(take)
        view = memoryview(self.buf)
        while n > 0:
            got = self.sock.recv_into(view, min(n, len(self.buf)))
            if got == 0:
                raise ConnectionError("server closed the connection mid-body")
            if keep:
                parts.append(bytes(view[:got]))
            n -= got
        return b"".join(parts) if keep else None

    def _read_line(self):
        data = b""
        while b"\r\n" not in data:
            data += self._recv_some()
        line, rest = data.split(b"\r\n", 1)
        self.pending = rest + self.pending
        return line

    def _read_chunked(self):
        parts = []
        while True:
            size = int(self._read_line().split(b";")[0], 16)
            if size == 0:
                while self._read_line():  # trailers up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._read_exact(size, True))
            self._read_line()


def location_path(location):
    """The path+query of a Location header (Distribution sends absolute URLs, wharf paths)."""
    if location.startswith("http://") or location.startswith("https://"):
        rest = location.split("://", 1)[1]
        slash = rest.find("/")
        return rest[slash:] if slash >= 0 else "/"
    return location


def with_query(path, key, value):
    """path with key=value appended to its query string."""
    return f"{path}{'&' if '?' in path else '?'}{key}={value}"
