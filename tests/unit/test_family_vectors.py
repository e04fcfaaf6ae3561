"""Copy, batch delete, versions, ACLs and bucket calls against what the official SDK 1.9.44 did
(``tests/interop/family_cases.py``, recorded in ``vectors/official-family-1.9.44.json``).

The wire requests (URL, headers, Authorization, XML bodies), return values and errors must be
identical, except for the deliberate differences listed in ``DEVIATIONS``, each checked to still differ.
"""

import json
import os

import pytest

import qcloud_cos
from tests.interop import family_cases

pytestmark = pytest.mark.filterwarnings("ignore::qcloud_cos._client_buckets.LeadingSlashKeyWarning")

VECTORS = os.path.join(os.path.dirname(family_cases.__file__), "vectors", "official-family-1.9.44.json")

with open(VECTORS, encoding="utf-8") as _f:
    OFFICIAL = json.load(_f)

PINNED = "every Upload Part - Copy carries x-cos-copy-source-If-Match with the ETag seen at HEAD"
DEVIATIONS = {
    "buckets@ip_port": "list_buckets goes to the configured IP (the emulator) with Host service.cos.myqcloud.com",
    "copy_source_not_dict": "a CopySource that is not a dict is named as such",
    "delete_objects_not_dict": "a Delete that is not a dict is refused instead of sending <Delete><Key>a</Key>",
    "get_bucket_acl_noacl": "an ACL without AccessControlList is returned, not a KeyError",
    "get_object_acl_noacl": "an ACL without AccessControlList is returned, not a KeyError",
    "managed_bad_status": "a bad CopyStatus is refused before the HEAD of the source",
    "managed_big_kwargs": PINNED + "; the source metadata is carried into Initiate; copy-source conditions and "
    "TrafficLimit go on the parts",
    "managed_big_other_class": PINNED,
    "managed_big_other_region": PINNED,
    "managed_big_replaced": PINNED,
}
#: download_file: the same requests and file, except that every GET carries If-Match with the ETag seen
#: at HEAD (so its signature covers if-match too) -- test_download_same_as_official_but_pinned.
DOWNLOAD_PINNED = sorted(name for name in OFFICIAL if name.startswith("download_"))
#: ... and bad arguments are refused before any request (the official SDK sends the HEAD first).
DOWNLOAD_REFUSED_EARLY = {"download_bad_kwarg", "download_key_dots", "download_key_root"}
DEVIATIONS.update({name: "every GET pinned with If-Match" for name in DOWNLOAD_PINNED})
DEVIATIONS.update({name: "refused before the HEAD" for name in DOWNLOAD_REFUSED_EARLY})


@pytest.fixture(scope="module")
def ours():
    return family_cases.collect(qcloud_cos)


@pytest.mark.parametrize("name", sorted(set(OFFICIAL) - set(DEVIATIONS)))
def test_same_as_official(ours, name):
    assert ours[name] == OFFICIAL[name]


def test_every_case_compared(ours):
    assert set(ours) == set(OFFICIAL)
    assert set(DEVIATIONS) <= set(OFFICIAL)


@pytest.mark.parametrize("name", sorted(DEVIATIONS))
def test_deviation_is_real(ours, name):
    assert ours[name] != OFFICIAL[name]


def _parts(case):
    return [w for w in case["wire"] if "partNumber=" in w["url"]]


def _initiate(case):
    (initiate,) = [w for w in case["wire"] if w["url"].endswith("?uploads=")]
    return initiate


@pytest.mark.parametrize(
    "name", ["managed_big_kwargs", "managed_big_other_class", "managed_big_other_region", "managed_big_replaced"]
)
def test_multipart_copy_pins_every_part_to_the_source_etag(ours, name):
    parts = _parts(ours[name])
    assert len(parts) == len(_parts(OFFICIAL[name])) > 1
    assert all(p["headers"]["x-cos-copy-source-If-Match"] == '"src-etag"' for p in parts)
    assert all("x-cos-copy-source-if-match" in p["headers"]["Authorization"] for p in parts)

    # Apart from the pin (and the headers it adds to the signature), the parts are the official ones.
    def strip(w):
        return {
            k: v
            for k, v in w["headers"].items()
            if k not in ("x-cos-copy-source-If-Match", "Authorization", "x-cos-traffic-limit")
        }

    assert [(p["url"], strip(p)) for p in parts] == [(p["url"], strip(p)) for p in _parts(OFFICIAL[name])]
    assert ours[name]["result"] == OFFICIAL[name]["result"]


def test_multipart_copy_carries_source_metadata_unless_replaced(ours):
    carried = _initiate(ours["managed_big_kwargs"])["headers"]
    assert carried["Content-Type"] == "image/png"
    assert carried["x-cos-meta-color"] == "red"
    assert carried["Cache-Control"] == "max-age=60" and carried["Content-Disposition"] == "inline"
    assert carried["x-cos-acl"] == "private"  # the caller's kwargs are still there
    assert "x-cos-copy-source-If-Match" not in carried  # conditions belong on the parts
    assert all(p["headers"]["x-cos-traffic-limit"] == "819200" for p in _parts(ours["managed_big_kwargs"]))
    replaced = _initiate(ours["managed_big_replaced"])
    assert replaced == _initiate(OFFICIAL["managed_big_replaced"])  # Replaced: the caller's headers only


def test_acl_without_grants_and_bad_inputs_are_clear(ours):
    assert ours["get_object_acl_noacl"]["result"]["CannedACL"] == "private"
    assert ours["delete_objects_not_dict"] == {
        "error": "CosClientError",
        "wire": [],
        "message": "Delete must be a dict {'Object': [{'Key': ...}, ...], 'Quiet': 'true'|'false'}, not list",
    }
    assert ours["managed_bad_status"]["wire"] == []
    assert ours["managed_bad_status"]["message"] == OFFICIAL["managed_bad_status"]["message"]


def test_list_buckets_by_ip_keeps_the_service_host(ours):
    (wire,) = ours["buckets@ip_port"]["wire"]
    assert wire["url"] == "http://127.0.0.1:9000/?marker=&max-keys=2000"
    assert wire["headers"]["Host"] == "service.cos.myqcloud.com"
    assert ours["buckets@ip_port"]["result"] == OFFICIAL["buckets@ip_port"]["result"]


def test_leading_slash_key_warns_but_is_sent_verbatim():
    with pytest.warns(qcloud_cos.cos_client.LeadingSlashKeyWarning, match='start with "/"'):
        case = family_cases.collect_one(qcloud_cos, "delete_objects_leading_slash")
    assert case == OFFICIAL["delete_objects_leading_slash"]


def _unpinned(case):
    """The case with each GET's If-Match and Authorization left out."""
    case = json.loads(json.dumps(case))
    for request in case["wire"]:
        if request["method"] == "GET":
            request["headers"].pop("If-Match", None)
            request["headers"].pop("Authorization")
    return case


def _signed_headers(request):
    return request["headers"]["Authorization"].split("q-header-list=")[1].split("&")[0].split(";")


@pytest.mark.parametrize("name", sorted(set(DOWNLOAD_PINNED) - DOWNLOAD_REFUSED_EARLY))
def test_download_same_as_official_but_pinned(ours, name):
    mine, official = ours[name], OFFICIAL[name]
    assert _unpinned(mine) == _unpinned(official)  # same HEAD (signature included), ranges, file
    gets = [(m, o) for m, o in zip(mine["wire"], official["wire"]) if m["method"] == "GET"]
    assert gets
    for m, o in gets:
        assert m["headers"]["If-Match"] == '"dl-etag"'  # the ETag the HEAD answered
        assert _signed_headers(m) == sorted(_signed_headers(o) + ["if-match"])


@pytest.mark.parametrize("name", sorted(DOWNLOAD_REFUSED_EARLY))
def test_download_bad_arguments_refused_before_any_request(ours, name):
    mine, official = ours[name], OFFICIAL[name]
    assert mine["wire"] == [] and [r["method"] for r in official["wire"]] == ["HEAD"]
    assert {k: v for k, v in mine.items() if k != "wire"} == {k: v for k, v in official.items() if k != "wire"}
