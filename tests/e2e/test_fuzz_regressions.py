"""Black-box checks of the crashes the fuzzers in fuzz/ found (fuzz/README.md):
each input that broke a parser, sent to the real server, gets a clean 4xx
and the server survives (under the ASan+UBSan build too, scripts/sanitize.sh)."""
import json

import pytest
import requests

from apihelpers import api  # noqa: F401  (pytest fixture)
from apihelpers import describe as api_describe
from ocihelpers import (assert_error, describe, error_body_problem, raw_request, start_upload,
                        uniq)
from ocihelpers import reg  # noqa: F401  (pytest fixture)


def test_basic_padding_only_is_401(reg):
    # fuzz_basic: "====" decoded to a length of -1, a heap overflow before auth
    for cred in ("====", "A===", "AA==" * 3 + "====", "YR=="):
        r = raw_request(reg, "GET", "/v2/", headers={"Authorization": "Basic " + cred})
        assert r.status == 401, r
        assert error_body_problem(r.status, r.body) is None, r
    assert reg.get("/v2/").status_code == 200


def test_content_range_end_int64_max_is_400(reg):
    # fuzz_range: end - start + 1 overflowed int64 in the upload handler
    loc = start_upload(reg, uniq())
    r = reg.patch(loc, data=b"0123456789", headers={"Content-Type": "application/octet-stream",
                                                  "Content-Range": "0-9223372036854775807"})
    assert_error(r, 400, "BLOB_UPLOAD_INVALID")
    r = reg.get(loc)
    assert r.status_code == 204, describe(r)


def test_token_scope_not_utf8_is_400(reg):
    r = requests.get(reg.url + "/v2/auth?scope=repository:a/b:pull,%ff", timeout=30)
    assert r.status_code == 400, describe(r)
    assert "Unable to decode repository and actions" in r.json()["errors"][0]["message"]


def test_malformed_json_quoting_cut_utf8_is_400(api):
    # fuzz_api_body: jansson's error text quotes the input, invalid UTF-8 included
    r = api.admin.post("organization/", data=b'{"name": "\xc3\xa9\xc3\xa9\\\xc3\xa9\xc3',
                       headers={"Content-Type": "application/json"})
    assert r.status_code == 400, api_describe(r)
    assert r.json()["error_message"].startswith("Invalid JSON body")


def test_org_name_cut_inside_a_character_is_400(api):
    # fuzz_api_body: "%.300s" cut an invalid name inside a UTF-8 character
    name = "A" + "a" * 298 + "\u00e9" * 3
    r = api.admin.post("organization/", data=json.dumps({"name": name}, ensure_ascii=False)
                       .encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 400, api_describe(r)
    assert "Invalid namespace" in r.json()["error_message"]


def test_repo_kind_cut_inside_a_character_is_400(api):
    # fuzz_api_body: "%.32s" cut repo_kind (11 characters, 33 bytes) inside a character
    r = api.admin.post("repository", data=json.dumps(
        {"repository": "app", "visibility": "public", "repo_kind": "\u20ac" * 11},
        ensure_ascii=False).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 400, api_describe(r)
    assert "Unsupported repository kind" in r.json()["error_message"]


@pytest.mark.parametrize("path", [
    "PUT user/robots/%ff",
    "GET repository/%ff/x",
])
def test_path_not_utf8_is_4xx(api, path):
    # every error body quoting client bytes that are not UTF-8 was 500 {}
    method, rest = path.split(" ")
    r = api.admin.request(method, rest)
    assert 400 <= r.status_code < 500, api_describe(r)
    r.json()
