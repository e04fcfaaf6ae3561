"""The admin endpoint: faults and reset at runtime, from another process.

On the emulator's own port, a request whose path starts with ``/-/`` and whose
Host is not a COS domain (``*.myqcloud.com``, ``*.tencentcos.cn``) is an admin
request, recognised before any signature check or bucket routing.  No COS
request has that form: a COS request names its bucket in a COS Host, and a
path-style bucket name can never be ``-`` (bucket names are ``<name>-<APPID>``).
A key ``-/faults`` in a bucket is the path ``/-/faults`` with the bucket's
Host: a COS request, never an admin one.

The endpoint answers only when the emulator is bound to a loopback address, or
when it was enabled explicitly (``CosEmulator(admin=True)``, ``--admin``): it
takes no credentials.  Otherwise such requests are ordinary (bucket-less)
COS requests.

    GET    /-/faults          pending faults, JSON: [{"spec": ..., "fired": N}, ...]
    POST   /-/faults          add faults: the body is one spec per line (see ``_faults.SPEC_HELP``)
    DELETE /-/faults          clear every fault
    POST   /-/reset           like ``CosEmulator.reset()``: empty state, default buckets, no faults,
                              the fault random sequence restarted (``?seed=N`` sets a new seed)
    GET    /-/                what is here

Answers are JSON (``application/json``); a bad spec is 400 with
``{"error": "..."}`` naming the field.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any, Callable, List, Optional, Tuple
from urllib.parse import parse_qs

from ._faults import FaultPlan, FaultSpecError, format_spec, parse_spec

__all__ = ["Admin", "is_admin_request", "is_loopback", "PREFIX"]

PREFIX = "/-/"
MAX_BODY = 64 * 1024
_COS_DOMAINS = (".myqcloud.com", ".tencentcos.cn")


def _host_only(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() and ":" not in name else host


def is_admin_request(host: str, path: str) -> bool:
    """Whether ``host``/``path`` address the admin endpoint rather than COS."""
    if not path.startswith(PREFIX):
        return False
    name = _host_only(host).rstrip(".")
    return not name.endswith(_COS_DOMAINS)


def is_loopback(address: str) -> bool:
    """Whether the bind address only accepts local connections."""
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


class Admin:
    """Serves the admin requests for one emulator."""

    def __init__(self, *, faults: FaultPlan, reset: Callable[[Optional[int]], None]) -> None:
        self.faults = faults
        self._reset = reset

    def listing(self) -> List[dict]:
        return [{"spec": format_spec(f), "fired": f.fired} for f in self.faults.pending]

    def handle(self, method: str, path: str, query: str, body: bytes) -> Tuple[int, Any]:
        """``(status, JSON-able answer)`` for one admin request."""
        method = method.upper()
        name = path[len(PREFIX) :].rstrip("/")
        if name == "":
            if method != "GET":
                return 405, {"error": f"{method} /-/: use GET"}
            return 200, {
                "endpoints": {
                    "GET /-/faults": "pending faults",
                    "POST /-/faults": "add faults, one spec per line",
                    "DELETE /-/faults": "clear faults",
                    "POST /-/reset": "reset state (?seed=N restarts the fault randomness with N)",
                },
            }
        if name == "faults":
            if method == "GET":
                return 200, self.listing()
            if method == "DELETE":
                self.faults.clear()
                return 200, []
            if method == "POST":
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    return 400, {"error": "the fault specs are not UTF-8"}
                specs = [
                    line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
                ]
                if not specs:
                    return 400, {"error": "no fault spec in the body (one spec per line)"}
                try:
                    parsed = [parse_spec(spec) for spec in specs]  # all or nothing
                except FaultSpecError as exc:
                    return 400, {"error": str(exc)}
                for fault in parsed:
                    self.faults.add(fault)
                return 201, [{"spec": format_spec(f), "fired": f.fired} for f in parsed]
            return 405, {"error": f"{method} /-/faults: use GET, POST or DELETE"}
        if name == "reset":
            if method != "POST":
                return 405, {"error": f"{method} /-/reset: use POST"}
            seed: Optional[int] = None
            values = parse_qs(query).get("seed")
            if values:
                try:
                    seed = int(values[-1])
                except ValueError:
                    return 400, {"error": f"seed={values[-1]!r} is not an integer"}
            self._reset(seed)
            return 200, {"reset": True}
        return 404, {"error": f"no admin endpoint {path!r} (GET /-/ lists them)"}


def serve(handler: Any, admin: Admin, *, path: str, query: str, body: Any) -> int:
    """Answer one admin request on ``handler`` (a ``BaseHTTPRequestHandler``); returns the status."""
    data = b""
    too_big = False
    try:
        while True:
            chunk = body.read(16 * 1024)
            if not chunk:
                break
            data += chunk
            if len(data) > MAX_BODY:
                too_big = True
                break
    except Exception:  # a broken body: answer and close
        handler.close_connection = True
        status, answer = 400, {"error": "the request body could not be read"}
    else:
        if too_big:
            handler.close_connection = True
            status, answer = 413, {"error": f"admin request bodies are at most {MAX_BODY} bytes"}
        else:
            status, answer = admin.handle(handler.command, path, query, data)
    if getattr(body, "broken", False) or not getattr(body, "done", True):
        handler.close_connection = True
    payload = (json.dumps(answer, indent=1) + "\n").encode("utf-8")
    handler.send_response_only(status)
    handler.send_header("Server", "tencent-cos")
    handler.send_header("Date", handler.date_time_string())
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    if handler.close_connection:
        handler.send_header("Connection", "close")
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(payload)
    return status
