"""A requests transport adapter that records prepared requests and answers canned responses.

Used only to capture the exact wire form of requests (method, URL, headers, body) from a
``qcloud_cos`` implementation -- ours in unit tests, the official SDK when generating the
golden vectors.  It never touches the network.
"""

import hashlib
import io
import threading

import requests
import urllib3
from requests.adapters import BaseAdapter
from requests.models import Response
from requests.structures import CaseInsensitiveDict


class RecordingAdapter(BaseAdapter):
    def __init__(self, responder=None):
        super().__init__()
        self.requests = []
        self._responder = responder or (lambda request: (200, {"x-cos-request-id": "rid"}, b""))
        # Parts go out on several threads: a responder may look at ``requests[-1]`` (the request it is
        # answering), so recording and answering happen one request at a time.
        self._lock = threading.Lock()

    def send(self, request, stream=False, **kwargs):
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        elif body is not None and not isinstance(body, (bytes, str)):
            body = b"".join(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self._lock:
            self.requests.append(
                {
                    "method": request.method,
                    "url": request.url,
                    "headers": {
                        k: (v.decode("utf-8") if isinstance(v, bytes) else v) for k, v in request.headers.items()
                    },
                    "body_len": None if body is None else len(body),
                    "body_md5": None if body is None else hashlib.md5(body).hexdigest(),
                }
            )
            status, headers, content = self._responder(request)
        response = Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        # what requests gives a caller: a urllib3 response (stream(), read(), decode_content=...)
        response.raw = urllib3.response.HTTPResponse(
            body=io.BytesIO(content), headers=dict(headers), status=status, preload_content=False, decode_content=False
        )
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        if not stream:
            response._content = content
        return response

    def close(self):
        pass


def recording_session(responder=None):
    session = requests.Session()
    adapter = RecordingAdapter(responder)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, adapter
