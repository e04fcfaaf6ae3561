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

Operator's knobs: ``--restore-delay SECONDS`` (how long restoring an archived object
takes), ``--fault SPEC`` (repeatable; see ``_faults.SPEC_HELP``) and
``--seed N`` for faults with a probability; ``--profile lan|wan``,
``--latency-ms`` and ``--bandwidth`` shape the network; the ``/-/`` admin
endpoint (faults and reset at runtime) answers on a loopback address, or
anywhere with ``--admin`` (``--no-admin`` turns it off).

A bad option (a port in use, a bucket not of the form ``name-APPID``, an
unusable ``--data-dir``, an unknown log level, a bad fault spec) is one line
on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import sqlite3
import sys
import threading
from typing import Any, Callable, List, NoReturn, Optional, Type

from . import DEFAULT_BUCKET, DEFAULT_REGION, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, CosEmulator
from ._errors import CosError
from ._faults import SPEC_HELP, FaultSpecError, parse_spec
from ._names import MAX_BUCKET_NAME, valid_bucket_name, valid_region
from ._network import PROFILES, parse_bandwidth, resolve_network

_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class _Parser(argparse.ArgumentParser):
    """Errors are one line (``prog: error: ...``) and exit status 2, never the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"python -m qcloud_cos.emulator: error: {message}\n")
    sys.exit(2)


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in _LEVELS:
        raise argparse.ArgumentTypeError(f"unknown log level {value!r} (choose from {', '.join(_LEVELS)})")
    return level


def _bucket(value: str) -> str:
    if not valid_bucket_name(value):
        raise argparse.ArgumentTypeError(
            f"invalid bucket name {value!r}: a bucket is NAME-APPID, NAME of lower-case letters, digits and '-' "
            f"(not first or last, at most {MAX_BUCKET_NAME}), APPID of digits, e.g. examplebucket-1250000000"
        )
    return value


def _region(value: str) -> str:
    if not valid_region(value):
        raise argparse.ArgumentTypeError(
            f"unknown region {value!r}: a COS region, lower-case, such as ap-beijing, ap-guangzhou or ap-singapore"
        )
    return value


def _checked_by(parse: Callable[[str], Any], error: Type[Exception]) -> Callable[[str], str]:
    """An argparse type that keeps the text but refuses what ``parse`` refuses, with its message."""

    def check(value: str) -> str:
        try:
            parse(value)
        except error as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return value

    return check


_fault = _checked_by(parse_spec, FaultSpecError)
_bandwidth = _checked_by(parse_bandwidth, ValueError)


def _latency(value: str) -> float:
    try:
        ms = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid latency {value!r}: milliseconds, e.g. 30") from None
    if not 0 <= ms <= 3_600_000:
        raise argparse.ArgumentTypeError(f"invalid latency {value!r}: 0 .. 3600000 ms")
    return ms


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid duration {value!r}: seconds, e.g. 0 or 2.5") from None
    if not 0 <= seconds <= 86400 * 365:
        raise argparse.ArgumentTypeError(f"invalid duration {value!r}: 0 .. 31536000 seconds")
    return seconds


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {value!r}: 0 .. 65535")
    return port


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m qcloud_cos.emulator",
        description="Local Tencent Cloud COS emulator (virtual-hosted XML API; buckets are "
        "named in the Host header, e.g. examplebucket-1250000000.cos.ap-beijing.myqcloud.com).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    p.add_argument("--port", type=_port, default=0, help="port to bind; 0 = any free port (default: %(default)s)")
    p.add_argument("--data-dir", help="persist data here (default: a temporary directory removed at exit)")
    p.add_argument("--secret-id", default=DEFAULT_SECRET_ID, help="SecretId accepted (default: %(default)s)")
    p.add_argument(
        "--secret-key", default=DEFAULT_SECRET_KEY, help="SecretKey of --secret-id (default: the docs' placeholder)"
    )
    p.add_argument(
        "--bucket",
        type=_bucket,
        action="append",
        metavar="NAME",
        help=f"bucket to create at start, repeatable; replaces the default {DEFAULT_BUCKET}",
    )
    p.add_argument(
        "--default-bucket",
        type=_bucket,
        metavar="NAME",
        help="the bucket that requests with an IP or localhost Host (presigned URLs of a client configured "
        "with IP/Port or QCLOUD_COS_ENDPOINT_URL) address when there are several (default: the only bucket)",
    )
    p.add_argument(
        "--region", type=_region, default=DEFAULT_REGION, help="region of the created buckets (default: %(default)s)"
    )
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
    p.add_argument(
        "--log-level",
        type=_log_level,
        default="INFO",
        help=f"stderr log level: {', '.join(_LEVELS)} (default: %(default)s)",
    )
    p.add_argument(
        "--fault",
        type=_fault,
        action="append",
        metavar="SPEC",
        help="plan a fault, repeatable, e.g. 'op=UploadPart,status=503,p=0.05'; " + SPEC_HELP.replace("%", "%%"),
    )
    p.add_argument("--seed", type=int, help="seed of the faults' random draws (same seed, same requests: same faults)")
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        help="network profile: lan (1 ms, 1 Gbit/s per connection), wan (30 ms, 100 Mbit/s per connection)",
    )
    p.add_argument(
        "--latency-ms", type=_latency, metavar="MS", help="latency added to every request (overrides --profile)"
    )
    p.add_argument(
        "--bandwidth",
        type=_bandwidth,
        metavar="RATE",
        help="bandwidth per connection and direction, e.g. 100mbit, 1gbit, 12MB (overrides --profile)",
    )
    p.add_argument(
        "--restore-delay",
        type=_seconds,
        default=1.0,
        metavar="SECONDS",
        help="how long a POST Object restore of an ARCHIVE/DEEP_ARCHIVE object takes (default: %(default)s; 0 = at once)",
    )
    admin = p.add_mutually_exclusive_group()
    admin.add_argument(
        "--admin",
        dest="admin",
        action="store_true",
        default=None,
        help="serve the /-/ admin endpoint (faults, reset; no credentials) even on a non-loopback --host",
    )
    admin.add_argument("--no-admin", dest="admin", action="store_false", help="do not serve the /-/ admin endpoint")
    return p


def _check_data_dir(path: str) -> None:
    """A data dir must be a directory we can write (or be creatable)."""
    target = os.path.abspath(path)
    if os.path.exists(target):
        if not os.path.isdir(target):
            _fail(f"--data-dir {path}: not a directory")
        if not os.access(target, os.W_OK | os.X_OK):
            _fail(f"--data-dir {path}: not writable")
        return
    parent = os.path.dirname(target)
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if parent and (not os.path.isdir(parent) or not os.access(parent, os.W_OK | os.X_OK)):
        _fail(f"--data-dir {path}: cannot be created under {parent}")


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.data_dir is not None:
        _check_data_dir(args.data_dir)
    try:
        network = resolve_network(args.profile, latency_ms=args.latency_ms, bandwidth=args.bandwidth)
    except ValueError as exc:
        _fail(str(exc))
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
        seed=args.seed,
        faults=tuple(args.fault or ()),
        network=network,
        admin=args.admin,
        default_bucket=args.default_bucket,
        restore_delay=args.restore_delay,
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        emu.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            _fail(f"cannot listen on {args.host}:{args.port}: the address is already in use")
        if exc.filename is None and not isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError)):
            _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        where = f"--data-dir {args.data_dir}" if args.data_dir else "the temporary data directory"
        _fail(f"{where}: {exc.strerror or exc} ({exc.filename})")
    except sqlite3.Error as exc:
        _fail(f"--data-dir {args.data_dir}: unusable metadata database ({exc})")
    except CosError as exc:
        _fail(f"{exc.code}: {exc.message}")
    except RuntimeError as exc:  # e.g. a data dir written by a newer version
        _fail(str(exc))
    network_note = (
        f"; network: {emu.network.name} {emu.network.latency_ms:g} ms, "
        + ("unlimited" if emu.network.bandwidth is None else f"{float(emu.network.bandwidth) / 1e6:g} Mbit/s")
        + " per connection"
        if emu.network is not None
        else ""
    )
    try:
        logging.getLogger("qcloud_cos.emulator").info(
            "data dir: %s; buckets: %s; SecretId: %s%s%s",
            emu.store.root,
            ", ".join(emu.buckets),
            emu.secret_id,
            network_note,
            "; admin endpoint: /-/" if emu.admin else "",
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
