"""Command line: ``python -m qcloud_cos.emulator``.

Starts a COS emulator and prints exactly one line on stdout once it accepts
connections::

    COS emulator listening on http://127.0.0.1:PORT

Everything else (one line per request, at INFO) goes to stderr.  SIGINT and
SIGTERM stop it cleanly.

Defaults: host 127.0.0.1, port 0 (a free port; read it from the stdout line),
SecretId ``SecretId`` / SecretKey ``SecretKey`` (the placeholders of Tencent's
docs), region ap-beijing, bucket ``examplebucket-1250000000``.  ``--bucket``
may be repeated; when given, those buckets are created *instead of* the
default one.  Without ``--data-dir`` the data lives in a temporary directory
removed at exit; with it, data survives restarts.  Point a client at it with
``CosConfig(Region=..., SecretId='SecretId', SecretKey='SecretKey',
IP='127.0.0.1', Port=PORT, Scheme='http')``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import List, Optional

from . import DEFAULT_BUCKET, DEFAULT_REGION, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, CosEmulator


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m qcloud_cos.emulator",
        description="Local Tencent Cloud COS emulator (virtual-hosted XML API; buckets are "
        "named in the Host header, e.g. examplebucket-1250000000.cos.ap-beijing.myqcloud.com).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=0, help="port to bind; 0 = any free port (default: %(default)s)")
    p.add_argument("--data-dir", help="persist data here (default: a temporary directory removed at exit)")
    p.add_argument("--secret-id", default=DEFAULT_SECRET_ID, help="SecretId accepted (default: %(default)s)")
    p.add_argument("--secret-key", default=DEFAULT_SECRET_KEY, help="SecretKey of --secret-id (default: the docs' placeholder)")
    p.add_argument(
        "--bucket",
        action="append",
        metavar="NAME",
        help=f"bucket to create at start, repeatable; replaces the default {DEFAULT_BUCKET}",
    )
    p.add_argument("--region", default=DEFAULT_REGION, help="region of the created buckets (default: %(default)s)")
    p.add_argument("--no-throttle", action="store_true", help="ignore x-cos-traffic-limit pacing (still validated)")
    p.add_argument(
        "--no-part-gaps",
        action="store_true",
        help="Complete Multipart Upload requires part numbers 1..N without gaps (400 InvalidPart otherwise)",
    )
    p.add_argument(
        "--min-part-size",
        type=int,
        default=1024 * 1024,
        metavar="BYTES",
        help="minimum size of every part but the last at Complete (default: %(default)s; 0 = none)",
    )
    p.add_argument("--log-level", default="INFO", help="stderr log level (default: %(default)s)")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    emu = CosEmulator(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        secret_id=args.secret_id,
        secret_key=args.secret_key,
        buckets=tuple(args.bucket) if args.bucket else (DEFAULT_BUCKET,),
        region=args.region,
        throttle=not args.no_throttle,
        record_requests=False,
        allow_part_gaps=not args.no_part_gaps,
        min_part_size=max(0, args.min_part_size),
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    emu.start()
    try:
        logging.getLogger("qcloud_cos.emulator").info(
            "data dir: %s; buckets: %s; SecretId: %s", emu.store.root, ", ".join(emu.buckets), emu.secret_id
        )
        sys.stdout.write(f"COS emulator listening on {emu.endpoint}\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
