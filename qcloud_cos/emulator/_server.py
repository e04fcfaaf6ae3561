"""The socket side: a ``ThreadingHTTPServer`` speaking HTTP/1.1 to COS clients.

Responsibilities: request framing (Content-Length, ``Transfer-Encoding:
chunked`` streamed, ``Expect: 100-continue`` answered lazily on the first body
read, so a request refused before its body is read never gets a 100),
keep-alive, absolute-form request targets, the common response headers
(``x-cos-request-id``, ``Date``, ``Server: tencent-cos``, ``Content-Length``),
streaming response bodies, connection resets for fault injection and the
request log.  Everything COS-specific is in ``_app``.

After a response, an unread request body is drained (up to ``DRAIN_LIMIT``)
so the client can read the answer and reuse the connection; otherwise the
connection is closed.  A body shorter than its Content-Length is answered with
400 ``IncompleteBody`` (when the client still listens) and the connection closed.
"""

from __future__ import annotations

import logging
import re
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO, Dict, List, Optional, Set, Tuple
from urllib.parse import urlsplit

from . import _admin, _network
from ._app import CosApp, Request, Response, http_date
from ._errors import CosError, refusal
from ._headerblock import HeaderBlockError, read_headers
from ._logline import log_target

__all__ = ["EmulatorHTTPServer", "RequestLog"]

logger = logging.getLogger("qcloud_cos.emulator")

DRAIN_LIMIT = 64 * 1024 * 1024
_WRITE_CHUNK = 256 * 1024
_MAX_LINE = 65536
_CRLF = re.compile("[\r\n]")


class RequestLog(list):
    """A list of request records; ``append`` is serialised by a lock.

    With ``enabled=False`` nothing is kept (the command line uses that, so a
    long-running server does not grow without bound).
    """

    def __init__(self, enabled: bool = True) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.enabled = enabled

    def append(self, item: Dict[str, Any]) -> None:
        if self.enabled:
            with self.lock:
                super().append(item)


class _BodyBase:
    length: Optional[int]
    chunked: bool

    def __init__(self, handler: "_Handler") -> None:
        self._handler = handler
        self.done = False  # the whole body has been read
        self.broken = False  # framing is lost: the connection must be closed

    def _rfile(self) -> BinaryIO:
        self._handler.send_continue()
        return self._handler.rfile  # type: ignore[return-value]

    def _fail(self, code: str, message: Optional[str] = None) -> CosError:
        self.broken = True
        return CosError(code, message)

    def _read_exact(self, want: int) -> bytes:
        """Read exactly ``want`` body bytes, or fail as COS does (timeout / short body)."""
        try:
            data = _network.paced_read(self._rfile(), want, self._handler.recv_pacer)
        except (TimeoutError, socket.timeout):
            raise self._fail("RequestTimeout") from None
        except OSError:
            raise self._fail("IncompleteBody") from None
        if len(data) < want:
            raise self._fail("IncompleteBody")
        return data

    def _readinto_exact(self, view: memoryview) -> None:
        """Fill ``view`` with body bytes straight from the socket buffer (no intermediate
        ``bytes``), in pacer-sized steps when the connection is paced; fails as ``_read_exact``."""
        rfile = self._rfile()
        pacer = self._handler.recv_pacer
        want = len(view)
        got = 0
        try:
            while got < want:
                step = want - got if pacer is None else min(pacer.chunk_size(), want - got)
                n = rfile.readinto(view[got : got + step])  # type: ignore[attr-defined]
                if not n:
                    break
                got += n
                if pacer is not None:
                    pacer.consume(n)
        except (TimeoutError, socket.timeout):
            raise self._fail("RequestTimeout") from None
        except OSError:
            raise self._fail("IncompleteBody") from None
        if got < want:
            raise self._fail("IncompleteBody")


class _LengthBody(_BodyBase):
    """A body framed by Content-Length (``length=None`` when the header is absent: empty)."""

    chunked = False

    def __init__(self, handler: "_Handler", length: Optional[int]) -> None:
        super().__init__(handler)
        self.length = length
        self.remaining = length or 0
        self.done = self.remaining == 0

    def read(self, n: int) -> bytes:
        if self.remaining <= 0 or n <= 0:
            return b""
        data = self._read_exact(min(n, self.remaining))
        self.remaining -= len(data)
        self.done = self.remaining == 0
        return data

    def readinto(self, buf: memoryview) -> int:
        """Up to ``len(buf)`` body bytes into ``buf``; 0 at the end (``read`` without the copy)."""
        n = min(len(buf), self.remaining)
        if n <= 0:
            return 0
        self._readinto_exact(buf[:n])
        self.remaining -= n
        self.done = self.remaining == 0
        return n


class _ChunkedBody(_BodyBase):
    """A ``Transfer-Encoding: chunked`` body, decoded as it is read."""

    chunked = True
    length = None

    def __init__(self, handler: "_Handler") -> None:
        super().__init__(handler)
        self._left = 0  # bytes left in the current chunk

    def _line(self) -> bytes:
        try:
            line = self._rfile().readline(_MAX_LINE + 1)
        except (TimeoutError, socket.timeout):
            raise self._fail("RequestTimeout") from None
        except OSError:
            raise self._fail("IncompleteBody") from None
        if not line.endswith(b"\n") or len(line) > _MAX_LINE:
            raise self._fail("IncompleteBody", "The chunked request body ended prematurely.")
        return line

    def _next_chunk(self) -> bool:
        """Read a chunk-size line when the current chunk is used up; False at the last chunk."""
        if self._left == 0:
            size_field = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_field, 16)
                if size < 0:
                    raise ValueError
            except ValueError:
                raise self._fail("InvalidRequest", "Malformed chunked encoding.") from None
            if size == 0:
                while self._line() not in (b"\r\n", b"\n"):  # trailers
                    pass
                self.done = True
                return False
            self._left = size
        return True

    def _consumed(self, n: int) -> None:
        self._left -= n
        if self._left == 0 and self._line() not in (b"\r\n", b"\n"):
            raise self._fail("InvalidRequest", "Malformed chunked encoding.")

    def read(self, n: int) -> bytes:
        if self.done or n <= 0 or not self._next_chunk():
            return b""
        data = self._read_exact(min(n, self._left))
        self._consumed(len(data))
        return data

    def readinto(self, buf: memoryview) -> int:
        """Up to ``len(buf)`` decoded bytes (never past the current chunk) into ``buf``; 0 at the end."""
        if self.done or len(buf) <= 0 or not self._next_chunk():
            return 0
        n = min(len(buf), self._left)
        self._readinto_exact(buf[:n])
        self._consumed(n)
        return n


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tencent-cos"
    sys_version = ""
    server: "EmulatorHTTPServer"

    def setup(self) -> None:
        self.timeout = self.server.request_timeout  # type: ignore[misc]  # per connection, on purpose: a ClassVar in typeshed
        super().setup()
        try:  # headers and body go out as separate writes: never wait for a delayed ACK
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.server.track(self.connection, True)
        self._continue_pending = False
        self.recv_pacer, self.send_pacer = _network.connection_pacers(self.server.network)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.track(self.connection, False)

    # -- hooks of BaseHTTPRequestHandler ---------------------------------------

    def handle_expect_100(self) -> bool:
        self._continue_pending = True  # sent on the first body read
        return True

    def send_continue(self) -> None:
        if self._continue_pending:
            self._continue_pending = False
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()

    def version_string(self) -> str:
        return "tencent-cos"

    def date_time_string(self, timestamp: Optional[float] = None) -> str:
        return http_date(self.server.app.clock() if timestamp is None else timestamp)

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s - %s", self.address_string(), format % args)

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """http.server's own refusals (a request line or header block it will not
        parse: too long, too many header lines, bad syntax or version) answered with
        COS's XML error (``_errors.refusal``), never its HTML page.  The rest of the
        request is unread, so the connection is closed.  The answer always has a
        status line and headers (http.server would send a bare body when it could not
        read the version)."""
        if self.request_version in ("", "HTTP/0.9"):
            self.request_version = "HTTP/1.1"
        status, headers, body = refusal(int(code), message, explain, request_id=self.server.app.new_request_id())
        self.log_error("refused: %d %s", status, message or "")
        self.close_connection = True
        self.send_response_only(status)
        self.send_header("Server", "tencent-cos")
        self.send_header("Date", self.date_time_string())
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def parse_request(self) -> bool:
        """The request line and headers, as ``http.server`` reads them but without ``email.parser``
        (``_headerblock``): the same refusals (400 bad line or version, 505 HTTP/2+, 431 for a
        header line too long or too many), keep-alive and ``Expect: 100-continue`` rules."""
        self.command = None  # type: ignore[assignment]
        self.request_version = version = self.default_request_version
        self.close_connection = True
        self.requestline = requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = requestline.split()
        if not words:
            return False
        number = (0, 9)
        if len(words) >= 3:
            version = words[-1]
            try:
                if not version.startswith("HTTP/"):
                    raise ValueError
                major, minor = version.split("/", 1)[1].split(".")
                number = (int(major), int(minor))
            except ValueError:
                self.send_error(400, f"Bad request version ({version!r})")
                return False
            if number >= (1, 1):
                self.close_connection = False
            if number >= (2, 0):
                self.send_error(505, f"Invalid HTTP version ({version})")
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(400, f"Bad request syntax ({requestline!r})")
            return False
        self.command, self.path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if self.command != "GET":
                self.send_error(400, f"Bad HTTP/0.9 request type ({self.command!r})")
                return False
        try:
            # typeshed: headers is an email.message.Message and rfile a BufferedIOBase; both are duck-typed here
            self.headers = read_headers(self.rfile)  # type: ignore[assignment,arg-type]
        except HeaderBlockError as exc:
            self.send_error(exc.status, exc.message)
            return False
        connection = (self.headers.get("Connection") or "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive" and number >= (1, 1):
            self.close_connection = False
        expect = (self.headers.get("Expect") or "").lower()
        if expect == "100-continue" and number >= (1, 1):
            return self.handle_expect_100()
        return True

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(_MAX_LINE + 1)
            if len(self.raw_requestline) > _MAX_LINE:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            self._continue_pending = False
            if not self.parse_request():
                return
            self._serve()
            if not self.wfile.closed:  # closed after a deliberate reset
                self.wfile.flush()
        except (TimeoutError, socket.timeout):
            self.close_connection = True
        except (ConnectionError, BrokenPipeError):
            self.close_connection = True
        except OSError:
            self.close_connection = True

    # -- one request ------------------------------------------------------------

    def _serve(self) -> None:
        app = self.server.app
        words = self.requestline.split()
        target = words[1] if len(words) >= 2 else "/"
        headers: List[Tuple[str, str]] = list(self.headers.items())
        host = self.headers.get("Host", "") or ""
        path_and_query = target
        if target.lower().startswith(("http://", "https://")):
            parts = urlsplit(target)
            host = parts.netloc.rpartition("@")[2]
            path_and_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        path, _, query = path_and_query.partition("?")
        if self.server.admin is not None and _admin.is_admin_request(host, path):
            body, _ = self._make_body()
            status = _admin.serve(self, self.server.admin, path=path, query=query, body=body)
            logger.info('%s "%s %s" %s admin', self.client_address[0], self.command, log_target(path, query), status)
            return

        record: Dict[str, Any] = {
            "method": self.command,
            "path": path_and_query,
            "target": target,
            "headers": _header_dict(headers),
            "host": host,
            "status": None,
        }
        self.server.requests.append(record)
        request_id = app.new_request_id()

        body, framing_error = self._make_body()
        req = Request(
            method=self.command,
            target=target,
            path=path,
            query=query,
            host=host,
            headers=headers,
            body=body,
        )
        if framing_error is not None:
            response = app.error_response(req, framing_error, request_id)
            response.close_connection = True
        else:
            response = app.handle(req, request_id)
        record.update(op=response.op, bucket=response.bucket, key=response.key)
        if response.crc_corrupted:
            record["crc_corrupted"] = True
        try:
            if response.reset_now:
                record["status"] = None
                logger.info(
                    '%s "%s %s" reset %s bucket=%s',
                    self.client_address[0],
                    self.command,
                    log_target(path, query),
                    response.op or "-",
                    response.bucket or "-",
                )
                self._reset()
                return
            record["status"] = response.status
            if self._must_close(body, response):
                response.close_connection = True
            if response.error_code:
                record["error_code"] = response.error_code
            self._record = record  # the response-stream faults note themselves here
            self._send(response, request_id)
        finally:
            response.close()
        if response.reset_after is not None:
            logger.info(
                '%s "%s %s" reset mid-body %s bucket=%s',
                self.client_address[0],
                self.command,
                log_target(path, query),
                response.op,
                response.bucket or "-",
            )
            return
        logger.info(
            '%s "%s %s" %s %s bucket=%s',
            self.client_address[0],
            self.command,
            log_target(path, query),
            response.status,
            response.op or "-",
            response.bucket or "-",
        )
        self._finish_body(body, response)

    def _make_body(self) -> Tuple[Any, Optional[CosError]]:
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            return _ChunkedBody(self), None
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return _LengthBody(self, None), None
        try:
            length = int(raw_length.strip())
            if length < 0:
                raise ValueError
        except ValueError:
            return _LengthBody(self, 0), CosError("InvalidArgument", "Invalid Content-Length.")
        return _LengthBody(self, length), None

    def _must_close(self, body: Any, response: Response) -> bool:
        """Whether the connection cannot be reused after this response."""
        if response.close_connection or body.broken:
            return True
        if body.done:
            return False
        if self._continue_pending:  # the client is still waiting for permission to send
            return True
        return body.length is not None and body.remaining > DRAIN_LIMIT

    def _finish_body(self, body: Any, response: Response) -> None:
        """Keep the connection usable: drain a small unread body, else close."""
        if self._must_close(body, response):
            self.close_connection = True
            return
        if body.done:
            return
        drained = 0
        try:
            while drained <= DRAIN_LIMIT:
                chunk = body.read(_WRITE_CHUNK)
                if not chunk:
                    return
                drained += len(chunk)
        except CosError:
            pass
        self.close_connection = True

    def _send(self, response: Response, request_id: str) -> None:
        has_body = self.command != "HEAD" and response.status not in (204, 304) and response.status >= 200
        if response.stream is not None:
            length = response.length or 0
        elif response.length is not None and self.command == "HEAD":
            length = response.length
        else:
            length = len(response.body) if has_body else 0
        shaper = _network.shape_response(
            network=self.server.network,
            faults=self.server.app.faults,
            pacer=self.send_pacer,
            write=self.wfile.write,
            on_cut=self._cut,
            on_fired=lambda kinds: self._record.update(injected=kinds),
            method=self.command,
            response=response,
            length=length if has_body else 0,
        )
        will_close = response.close_connection or self.close_connection
        self.send_response_only(response.status)
        self.send_header("Server", "tencent-cos")
        self.send_header("Date", self.date_time_string())
        for name, value in response.headers:
            self.send_header(name, _CRLF.sub(" ", value))  # never let a value split the header block
        self.send_header("Content-Length", str(length))
        self.send_header("x-cos-request-id", request_id)
        if will_close:
            self.send_header("Connection", "close")
        elif self.request_version == "HTTP/1.0":
            self.send_header("Connection", "keep-alive")
        self.end_headers()
        if not has_body:
            return
        if response.stream is None:
            data = response.body
            if response.reset_after is not None:
                self.wfile.write(data[: response.reset_after])
                self.wfile.flush()
                self._reset()
                return
            shaper.write(data)
            return
        remaining = length
        budget = response.reset_after
        throttle = response.throttle
        chunk_size = throttle.chunk_size() if throttle else _WRITE_CHUNK
        while remaining > 0:
            want = min(chunk_size, remaining)
            if budget is not None:
                if budget <= 0:
                    break
                want = min(want, budget)
            chunk = response.stream.read(want)
            if not chunk:
                # The file is shorter than its record: nothing sane to send; drop the connection.
                logger.error("object body shorter than recorded for %s", response.key)
                self.close_connection = True
                return
            shaper.write(chunk)
            if shaper.cut:
                break
            remaining -= len(chunk)
            if budget is not None:
                budget -= len(chunk)
            if throttle:
                throttle.consume(len(chunk))
        if budget is not None:
            self.wfile.flush()
            self._reset()

    def _cut(self) -> None:
        """A truncated body: close the connection after it (a FIN, the client sees a short body)."""
        self.close_connection = True

    def _reset(self) -> None:
        """Abort the connection with a TCP RST."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        for stream in (self.rfile, self.wfile):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.connection.close()
        except OSError:
            pass


def _header_dict(headers: List[Tuple[str, str]]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for name, value in headers:
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP/1.1 server bound to one ``CosApp``."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(
        self,
        address: Tuple[str, int],
        app: CosApp,
        *,
        requests: Optional[RequestLog] = None,
        request_timeout: float = 60.0,
        network: Optional["_network.NetworkProfile"] = None,
        admin: Optional["_admin.Admin"] = None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.network = network  # latency and per-connection bandwidth (None: loopback speed)
        self.admin = admin  # the /-/ endpoint (None: off)
        self.requests = requests if requests is not None else RequestLog()
        self.request_timeout = request_timeout
        self._connections: Set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._conn_lock:
            if alive:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        """Shut down every open client connection (used by ``stop``)."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.exception("unhandled error serving %s", client_address)
