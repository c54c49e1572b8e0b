"""500s the hostile-input tests found in the API, the dossier pages and the services, each pinned with the exact
request that broke it and kept as a regression test now that it is fixed. (Those found in the pages of admin,
auth, audit and public are in test_regressions.py.)"""

import io
import json
from pathlib import Path

import pytest

from tests.conftest import csrf_from
from tests.factories import CRITERIA_DIR

BEYOND_64_BITS = "OTk5OTk5OTk5OTk5OTk5OTk5OTk5"  # base64 of "999999999999999999999"


@pytest.mark.parametrize("path", ["/campaigns", "/units", "/dossiers", "/audit/events"])
def test_api_list_cursor_beyond_64_bits_is_a_client_error(api, path):
    # workflow/api/routes.py page(): the decoded cursor goes into "id > :after"; SQLite raises OverflowError.
    response = api.as_("auditor").get(path, query_string={"cursor": BEYOND_64_BITS})
    assert 400 <= response.status_code < 500, response.status


def test_dossier_list_page_far_past_the_end_is_no_server_error(client, auth, world):
    # workflow/dossiers/routes.py index(): ?page=10**20 goes into OFFSET; SQLite raises OverflowError.
    world.dossier()
    auth.login("chairman")
    response = client.get("/dossiers", query_string={"page": "1" + "0" * 20})
    assert response.status_code < 500


@pytest.mark.parametrize("url", ["/audit/events", "/audit/events.csv"])
def test_audit_filter_from_year_one_is_refused_not_a_500(client, auth, world, url):
    # workflow/services/listing.py _moment(): local midnight of 0001-01-01 is before year 1 in UTC:
    # OverflowError ("date value out of range"), not the ValueError it catches.
    auth.login("auditor")
    response = client.get(url, query_string={"since": "0001-01-01"})
    assert response.status_code < 500


def test_api_audit_filter_from_year_one_is_422(api):
    response = api.as_("auditor").get("/audit/events", query_string={"since": "0001-01-01"})
    assert response.status_code == 422, response.status


def _criteria_document(file: str = "model_citizen.json", **changes) -> bytes:
    document = json.loads((Path(CRITERIA_DIR) / file).read_text(encoding="utf-8"))
    document["version"] = "fuzz-1"
    for key, value in changes.items():
        if key == "mandatory":
            document["criteria"][0]["mandatory"] = value
        else:
            document[key] = value
    return json.dumps(document).encode()


@pytest.mark.parametrize("content", [
    _criteria_document(title={}), _criteria_document(title=[]), _criteria_document(mandatory=1194),
    _criteria_document(mandatory=[1]), _criteria_document("model_family.json", pass_points=10**30)],
    ids=["title-object", "title-list", "mandatory-number", "mandatory-list", "pass-points-10e30"])
def test_criteria_file_with_a_wrong_type_is_refused_beside_the_field(client, auth, world, content):
    # workflow/services/criteria.py: _check() did `title not in set(Title)` (TypeError for a dict or list), and
    # checked neither that "mandatory" is a boolean (StatementError when the Boolean column is flushed) nor that
    # "pass_points" is a small integer (OverflowError on SQLite; PostgreSQL's DataError becomes a 400 page).
    auth.login("admin")
    token = csrf_from(client.get("/admin/criteria").get_data(as_text=True))
    response = client.post("/admin/criteria", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(content), "tieu-chi.json")})
    assert 400 <= response.status_code < 500  # (a 422 beside the field would be best)


def test_cli_criteria_file_with_a_lone_surrogate_is_refused(runner, world, tmp_path):
    # The page refuses it now (test_regressions.py); `flask load-criteria` passes it to
    # workflow/services/criteria.py, where the flush raises UnicodeEncodeError.
    path = tmp_path / "tieu-chi.json"
    path.write_bytes(_criteria_document(name="Tiêu chí \\udfff").replace(b"\\\\udfff", b"\\udfff"))
    result = runner.invoke(args=["load-criteria", str(path)])
    assert result.exit_code != 0 and not isinstance(result.exception, UnicodeError), result.exception
