"""Where injected faults act: every ``faults.take`` of the service is in this module.

``CosApp.handle`` calls two hooks around serving a request:

* ``before_serving`` -- request-level faults, taken right after routing (before
  the signature check): an error answer instead of serving, or a connection
  reset (after reading part of the request body, or after sending part of a
  GET Object's body);
* ``after_serving`` -- response-level faults, taken only by successful
  responses: ``corrupt_crc`` (a wrong ``x-cos-hash-crc64ecma``) and
  ``lose_response`` (the work is done, the answer never arrives).

A new kind of fault belongs in one of these two functions.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Optional

from . import _auth
from ._errors import CosError
from ._faults import Fault
from ._wire import CRC_HEADER, Request, Response

if TYPE_CHECKING:
    from ._app import CosApp
    from ._routes import Route

__all__ = ["after_serving", "before_serving"]

logger = logging.getLogger("qcloud_cos.emulator")

_READ_CHUNK = 256 * 1024


def before_serving(app: "CosApp", req: Request, route: "Route", request_id: str) -> Optional[Response]:
    """The response that replaces serving ``req`` when a request-level fault is pending, else None."""
    fault = app.faults.take(method=req.method, bucket=route.bucket, key=route.key or None, op=route.op)
    if fault is None:
        return None
    return _apply_fault(app, req, route, fault, request_id)


def after_serving(app: "CosApp", req: Request, route: "Route", response: Response) -> None:
    """Apply the response-level faults pending for a served ``req`` to its ``response``."""
    _maybe_corrupt_crc(app, req, route, response)
    _maybe_lose_response(app, req, route, response)


def _apply_fault(app: "CosApp", req: Request, route: "Route", fault: Fault, request_id: str) -> Response:
    logger.info(
        "injecting fault %s into %s %s", fault.code if not fault.reset_connection else "reset", req.method, route.op
    )
    if not fault.reset_connection:
        err = CosError(fault.code, fault.message, status=fault.status)
        return app.error_response(req, err, request_id, route)
    has_body = req.body.chunked or bool(req.body.length)
    if has_body:
        remaining = fault.after_bytes or 0
        while remaining > 0:
            chunk = req.body.read(min(_READ_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
        return Response(status=0, reset_now=True)
    if fault.after_bytes is not None and route.op == "GetObject":
        try:
            response = app.dispatch(req, route, _auth.Credential("fault", "", None), trusted=True)
        except CosError as err:
            return app.error_response(req, err, request_id, route)
        response.reset_after = fault.after_bytes
        return response
    return Response(status=0, reset_now=True)


def _maybe_corrupt_crc(app: "CosApp", req: Request, route: "Route", response: Response) -> None:
    """Apply a pending ``corrupt_crc`` fault to a successful response that carries a CRC."""
    if not 200 <= response.status < 300:
        return
    index = next((i for i, (n, _) in enumerate(response.headers) if n.lower() == CRC_HEADER), None)
    if index is None:
        return
    fault = app.faults.take(
        method=req.method, bucket=route.bucket, key=route.key or None, op=route.op, corrupt_crc=True
    )
    if fault is None:
        return
    name, value = response.headers[index]
    wrong = (int(value) ^ 0x5A5A5A5A5A5A5A5A) if value.isdigit() else 1
    response.headers[index] = (name, str(wrong))
    response.crc_corrupted = True
    logger.info("injecting a wrong %s into %s %s", CRC_HEADER, req.method, route.op)


def _maybe_lose_response(app: "CosApp", req: Request, route: "Route", response: Response) -> None:
    """Apply a pending ``lose_response`` fault: the work is done, the answer never arrives."""
    if not 200 <= response.status < 300:
        return
    fault = app.faults.take(
        method=req.method, bucket=route.bucket, key=route.key or None, op=route.op, lose_response=True
    )
    if fault is not None:
        response.reset_now = True
        logger.info("losing the response to %s %s", req.method, route.op)
