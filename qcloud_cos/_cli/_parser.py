"""The argument parser of ``qcloud-cos`` / ``python -m qcloud_cos``."""

import argparse

from ..version import __dropin_version__

PROG = "qcloud-cos"

DESCRIPTION = """\
Copy, list, inspect and delete Tencent Cloud COS objects (a thin layer over qcloud_cos.CosS3Client).

Objects are written cos://BUCKET-APPID/KEY, e.g. cos://examplebucket-1250000000/dir/file.txt."""

EPILOG = """\
credentials, region and endpoint (highest precedence first):
  1. flags         --secret-id/--secret-key/--token, --region, --endpoint-url
  2. environment   COS_SECRET_ID/COS_SECRET_KEY/COS_TOKEN, COS_REGION, QCLOUD_COS_ENDPOINT_URL
  3. config file   --config PATH, else $QCLOUD_COS_CONFIG, else ~/.qcloud_cos.ini; INI section
                   [default] (or --profile NAME) with secret_id, secret_key, token, region,
                   endpoint_url
  The secret id, key and token are taken together from the first source that has a secret id or
  key; region and endpoint URL each from the first source that has them.  --endpoint-url
  (e.g. http://127.0.0.1:9000, a local COS emulator) changes where requests go, not the bucket
  domain they are signed for.

resuming: an interrupted cp (Ctrl-C, network failure) resumes when the same cp is run again:
  uploads from their checkpoint ($QCLOUD_COS_CHECKPOINT_DIR, default ~/.cache/qcloud_cos/checkpoints),
  downloads from their record (~/.cos_download_tmp_file), folder uploads skip objects already there.

output: results on stdout (--json: one JSON object a line), errors on stderr as "error: ...";
  a progress display on stderr when it is a terminal (--progress forces it, -q turns it off);
  it is a tqdm bar when tqdm is installed (pip install 'qcloud-cos-dropin[cli]').

exit status:
  0    success
  1    a COS service or client error, or a partial failure (some files failed), or rm/abort
       declined at the prompt
  2    usage error: bad arguments, bad or missing configuration, rm -r / uploads --abort without
       -y when stdin is not a terminal
  130  interrupted (Ctrl-C); for cp, run the same command again to resume
"""

COMMON = (
    (("--secret-id",), dict(metavar="ID", help="SecretId (env COS_SECRET_ID)")),
    (("--secret-key",), dict(metavar="KEY", help="SecretKey (env COS_SECRET_KEY)")),
    (("--token",), dict(metavar="TOKEN", help="temporary-key token (env COS_TOKEN)")),
    (("--region",), dict(metavar="REGION", help="region, e.g. ap-beijing (env COS_REGION)")),
    (
        ("--endpoint-url",),
        dict(
            metavar="URL",
            help="connect to this URL, e.g. a local emulator http://127.0.0.1:9000 (env QCLOUD_COS_ENDPOINT_URL)",
        ),
    ),
    (("--config",), dict(metavar="PATH", help="config file (env QCLOUD_COS_CONFIG; default ~/.qcloud_cos.ini)")),
    (("--profile",), dict(metavar="NAME", help="section of the config file (default: default)")),
    (("-q", "--quiet"), dict(action="store_true", help="no progress and no result lines: errors only")),
    (("--json",), dict(action="store_true", dest="json_lines", help="results as JSON, one object a line, on stdout")),
    (("--progress",), dict(action="store_true", help="show progress even when stderr is not a terminal")),
    (("--debug",), dict(action="store_true", help="log requests to stderr, tracebacks on errors")),
)


def _add_common(parser, *, suppress):
    group = parser.add_argument_group("common options (before or after the command)")
    for flags, options in COMMON:
        options = dict(options)
        if suppress:  # a subcommand's copy must not overwrite what was given before the command
            options["default"] = argparse.SUPPRESS
        group.add_argument(*flags, **options)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a whole number: %r" % text) from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1, not %d" % value)
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="%(prog)s (qcloud-cos-dropin) " + __dropin_version__)
    _add_common(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def command(name, help_text, description=None):
        sub = commands.add_parser(
            name,
            help=help_text,
            description=description or help_text,
            epilog=EPILOG,
            allow_abbrev=False,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _add_common(sub, suppress=True)
        return sub

    cp = command(
        "cp",
        "copy: upload, download, or copy between buckets",
        """\
copy files and objects:
  cp FILE cos://BUCKET/KEY           upload (KEY ending in / or empty: KEY + the file's name)
  cp -r DIR cos://BUCKET/PREFIX      upload a directory tree to PREFIX/<relative path>
  cp cos://BUCKET/KEY PATH           download (PATH a directory: into it, under the key's name)
  cp -r cos://BUCKET/PREFIX DIR      download every object under PREFIX/ into DIR/<relative key>
  cp cos://B1/KEY cos://B2/KEY2      copy on the server (-r: every object under a prefix)
An interrupted cp resumes when it is run again.""",
    )
    cp.add_argument("source", metavar="SRC")
    cp.add_argument("dest", metavar="DST")
    cp.add_argument("-r", "--recursive", action="store_true", help="a directory or a whole prefix")
    cp.add_argument(
        "--part-size",
        type=_positive_int,
        metavar="MiB",
        help="part size in MiB (default: the SDK's: 1 upload, 20 download, 10 copy)",
    )
    cp.add_argument("--threads", type=_positive_int, metavar="N", help="parallel requests (default: the SDK's)")
    cp.add_argument("--md5", action="store_true", help="send Content-MD5 with every upload request")
    cp.add_argument("--storage-class", metavar="CLASS", help="storage class of new objects, e.g. STANDARD_IA")
    cp.add_argument(
        "--no-skip-existing",
        dest="skip_existing",
        action="store_false",
        help="cp -r DIR: upload also files whose object already exists with the same content",
    )

    ls = command("ls", "list objects (or, without an argument, buckets)")
    ls.add_argument("target", metavar="cos://BUCKET[/PREFIX]", nargs="?")
    ls.add_argument(
        "-r",
        "--recursive",
        action="store_true",
        help="every object below the prefix (default: one level, delimiter '/')",
    )
    ls.add_argument("-H", "--human-readable", action="store_true", dest="human", help="sizes as KiB, MiB, ...")

    rm = command("rm", "delete an object, or with -r every object under a prefix")
    rm.add_argument("target", metavar="cos://BUCKET/KEY")
    rm.add_argument("-r", "--recursive", action="store_true", help="delete every object under PREFIX/")
    rm.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    rm.add_argument("--versions", action="store_true", help="-r: every version and delete marker too")
    rm.add_argument(
        "--all",
        action="store_true",
        dest="all_objects",
        help="-r with an empty prefix: really every object of the bucket",
    )

    stat = command("stat", "show an object's metadata (HEAD Object)")
    stat.add_argument("target", metavar="cos://BUCKET/KEY")
    stat.add_argument("--version-id", metavar="ID", help="a version of the object")

    presign = command("presign", "print a presigned URL of an object")
    presign.add_argument("target", metavar="cos://BUCKET/KEY")
    presign.add_argument(
        "--expires", type=_positive_int, default=3600, metavar="SECONDS", help="validity in seconds (default 3600)"
    )
    presign.add_argument(
        "--method",
        type=str.upper,
        choices=("GET", "PUT", "HEAD", "DELETE"),
        default="GET",
        help="HTTP method the URL is for (default GET)",
    )

    uploads = command("uploads", "list unfinished multipart uploads (--abort: abort them)")
    uploads.add_argument("target", metavar="cos://BUCKET[/PREFIX]")
    uploads.add_argument(
        "--abort", action="store_true", help="abort them (an interrupted cp of those keys then starts over)"
    )
    uploads.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    return parser
