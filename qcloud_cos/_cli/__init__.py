"""``qcloud-cos`` / ``python -m qcloud_cos``: a small command line over ``CosS3Client``.

Subcommands ``cp``, ``ls``, ``rm``, ``stat``, ``presign``, ``uploads``; see ``qcloud-cos --help``.
Private: the command line is the interface, not this module.  Exit status: 0 ok, 1 a COS error or a
partial failure, 2 usage or configuration error, 130 Ctrl-C.
"""

import logging
import os
import shlex
import sys
import traceback

from ..cos_exception import CosClientError, CosServiceError
from ._commands import COMMANDS, Context
from ._output import Output, error_fields, error_text
from ._parser import build_parser
from ._settings import UsageError, make_client, resolve

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

_SECRET_FLAGS = ("--secret-id", "--secret-key", "--token")


def _command_line(argv):
    """The command as typed, to be run again, with the values of secret flags masked."""
    program = sys.argv[0] if sys.argv else ""
    head = (
        [os.path.basename(sys.executable or "python"), "-m", "qcloud_cos"]
        if os.path.basename(program) == "__main__.py"
        else ["qcloud-cos"]
    )
    words, mask_next, masked = [shlex.quote(w) for w in head], False, False
    for word in argv:
        name = word.split("=", 1)[0]
        if mask_next:
            words.append("***")
            mask_next, masked = False, True
        elif word in _SECRET_FLAGS:
            words.append(word)
            mask_next = True
        elif name in _SECRET_FLAGS:
            words.append(name + "=***")
            masked = True
        else:
            words.append(shlex.quote(word))
    return " ".join(words) + (" (give the secrets again where *** stands)" if masked else "")


def _stderr_is_tty():
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def main(argv=None):
    """Run the command line; returns the exit status (the console script exits with it)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # usage errors: argparse prints them and exits 2
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    out = Output(json_lines=args.json_lines, quiet=args.quiet)
    if args.debug:
        logging.basicConfig(
            level=logging.DEBUG, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s"
        )
    progress = not args.quiet and (args.progress or _stderr_is_tty())
    try:
        settings = resolve(args)
        ctx = Context(
            args=args, out=out, settings=settings, client_factory=lambda: make_client(settings), progress=progress
        )
        return COMMANDS[args.command](ctx)
    except UsageError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        if _stderr_is_tty():
            sys.stderr.write("\n")  # after the terminal's ^C
        if args.command == "cp":
            out.error(
                "interrupted; to resume, run the same command again:\n  %s" % _command_line(argv),
                {"op": "cp", "status": "interrupted"},
            )
        else:
            out.error("interrupted", {"op": args.command, "status": "interrupted"})
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # qcloud-cos ls ... | head
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_ERROR
    except (CosServiceError, CosClientError, OSError) as exc:
        if args.debug:
            traceback.print_exc()
        out.error(error_text(exc), {"op": args.command, "status": "error", "error": error_fields(exc)})
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - a bug here or in the SDK: one line, --debug for more
        if args.debug:
            traceback.print_exc()
        out.error(
            "unexpected %s: %s (run with --debug for the traceback)" % (type(exc).__name__, error_text(exc)),
            {"op": args.command, "status": "error", "error": error_fields(exc)},
        )
        return EXIT_ERROR
