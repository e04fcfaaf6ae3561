"""CPU per request header block: http.server's parser (http.client.parse_headers, email package)
against the emulator's own reader (qcloud_cos.emulator._headerblock), on the headers of a typical
signed Upload Part.  Prints microseconds per block, best of 5 rounds.

    python benchmarks/emulator_headers.py [--count 20000]
"""

import argparse
import http.client
import io
import time

from qcloud_cos.emulator._headerblock import read_headers

RAW = (
    b"Host: examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com\r\n"
    b"User-Agent: cos-python-sdk-v5.1.9.44\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\n"
    b"Connection: keep-alive\r\nContent-Length: 4096\r\n"
    b"Authorization: q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE&q-sign-time=1700000000;1700010000"
    b"&q-key-time=1700000000;1700010000&q-header-list=content-length;host&q-url-param-list="
    b"&q-signature=0123456789abcdef0123456789abcdef01234567\r\n\r\n"
)


def _per_block(parse, count):
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for _ in range(count):
            headers = parse(io.BytesIO(RAW))
            headers.get("Host"), headers.get("Content-Length"), headers.get("Transfer-Encoding")
            list(headers.items())
        best = min(best, (time.process_time() - start) / count)
    return best * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    count = parser.parse_args().count
    for name, parse in (
        ("http.client.parse_headers (email)", http.client.parse_headers),
        ("emulator _headerblock.read_headers", read_headers),
    ):
        print("%-36s %6.1f us per header block" % (name, _per_block(parse, count)))


if __name__ == "__main__":
    main()
