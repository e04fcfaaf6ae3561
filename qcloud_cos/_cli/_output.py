"""What the CLI prints: results on stdout (text, or one JSON object a line), errors on stderr."""

import http.client
import json
import sys

from ..cos_exception import CosClientError, CosServiceError

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def human_size(n):
    """``1536`` → ``'1.5 KiB'`` (powers of 1024; whole bytes below 1 KiB)."""
    n = float(n)
    for unit in _UNITS:
        if abs(n) < 1024 or unit == _UNITS[-1]:
            return "%d B" % n if unit == "B" else "%.1f %s" % (n, unit)
        n /= 1024
    return "%d B" % n  # not reached


def duration(seconds):
    """``75`` → ``'0:01:15'``."""
    seconds = max(int(seconds), 0)
    return "%d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60)


def error_fields(exc):
    """A JSON-ready description of an exception (never its secrets: the SDK scrubs its messages)."""
    if isinstance(exc, CosServiceError):
        return {
            "type": "CosServiceError",
            "code": exc.get_error_code(),
            "message": exc.get_error_msg(),
            "http_status": exc.get_status_code(),
            "request_id": exc.get_request_id(),
        }
    if isinstance(exc, CosClientError):
        return {"type": "CosClientError", "message": str(exc)}
    return {"type": type(exc).__name__, "message": str(exc)}


def error_text(exc):
    """One line: ``NoSuchKey: The specified key does not exist. (HTTP 404, request id ...)``."""
    if isinstance(exc, CosServiceError):
        code, message, status = exc.get_error_code(), exc.get_error_msg(), exc.get_status_code()
        if code in (None, "", "Unknown"):  # an answer without an error body (HEAD): say what HTTP said
            reason = http.client.responses.get(status, "") if isinstance(status, int) else ""
            return "HTTP %s%s (the answer carried no error details)" % (status, " " + reason if reason else "")
        text = "%s: %s" % (code, message) if message and message != "Unknown" else str(code)
        extra = ["HTTP %s" % status]
        request_id = exc.get_request_id()
        if request_id and request_id != "Unknown":
            extra.append("request id %s" % request_id)
        return "%s (%s)" % (text, ", ".join(extra))
    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename if exc.filename is not None else ""
        return "%s%s" % (exc.strerror, ": %s" % where if where else "")
    text = str(exc) or type(exc).__name__
    return " ".join(text.split()) if "\n" in text else text


class Output:
    """Results for people (``text``) or for programs (``json``); ``quiet`` keeps only errors."""

    def __init__(self, *, json_lines=False, quiet=False, stdout=None, stderr=None):
        self.json = json_lines
        self.quiet = quiet
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr

    def result(self, record, text=None, *, product=False):
        """One result: ``record`` as a JSON line with ``--json``, else ``text``.

        ``--quiet`` hides ``text`` unless it is the command's ``product`` (a listing, a URL, metadata:
        what ls, stat and presign are run for).
        """
        if self.json:
            self.stdout.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            self.stdout.flush()
        elif text is not None and (product or not self.quiet):
            self.stdout.write(text + "\n")
            self.stdout.flush()

    def error(self, message, record=None):
        """``error: message`` on stderr; with ``--json`` also ``record`` (status "error") on stdout."""
        self.stderr.write("error: %s\n" % message)
        self.stderr.flush()
        if self.json and record is not None:
            self.result(record)

    def note(self, message):
        """A line for the person at the terminal (stderr), unless ``--quiet``."""
        if not self.quiet:
            self.stderr.write(message + "\n")
            self.stderr.flush()
