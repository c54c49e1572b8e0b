"""The public pages cost the same whatever the province's size (issue 15): the list of those recognized and the
notice boards come a page at a time (a keyset `after`, "Trang sau ›"), searched by name without diacritics and
filtered by group, counted per group by one GROUP BY; the CSV is the whole list, streamed; a key that is not one of
ours shows the first page; refused households are never on any of them."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from collections import Counter

import pytest

from models import Dossier
from states.enums import State, Title
from workflow.extensions import db
from workflow.services import notice_board, publication

DECISION = "01/QĐ-UBND"

# (name, group, title): two titles besides the families', both groups, a name twice, a name inside another.
RECOGNIZED = [
    ("Nguyễn Thị Hồng", "G1", Title.MODEL_FAMILY), ("Nguyễn Văn Hồng", "G1", Title.MODEL_FAMILY),
    ("Lê Văn An", "G1", Title.MODEL_FAMILY), ("Lê Văn An", "G1", Title.MODEL_FAMILY),
    ("Phạm Văn Đức", "G1", Title.MODEL_FAMILY), ("Đỗ Thị Bình", "G2", Title.MODEL_FAMILY),
    ("Trần Thị Hồng Nhung", "G2", Title.MODEL_FAMILY), ("Hoàng Thị Mai", "G2", Title.MODEL_FAMILY),
    ("Vũ Văn Tư", "G2", Title.MODEL_FAMILY), ("Trường Tiểu học Thử", "G1", Title.MODEL_AGENCY),
    ("Tổ dân phố 2", "G2", Title.MODEL_GROUP),
]
HONG_REF = "038090012345"


@pytest.fixture
def listed(world) -> dict[str, list[Dossier]]:
    """A campaign's recognized dossiers, and beside them those the public lists must never show."""
    recognized = [world.dossier(State.RECOGNIZED, title=title, group=group, subject_name=name,
                                subject_ref=HONG_REF if name == "Nguyễn Thị Hồng" else None,
                                decision_number=DECISION)
                  for name, group, title in RECOGNIZED]
    left_out = [
        world.dossier(State.NOT_RECOGNIZED, subject_name="Nguyễn Thị Hồng Từ Chối", approve=False,
                      decision_number=DECISION),
        world.dossier(State.NOT_RECOGNIZED, group="G2", subject_name="Lê Thị Bị Từ Chối", approve=False,
                      decision_number=DECISION),
        world.dossier(State.REVOKED, subject_name="Nguyễn Thị Hồng Thu Hồi", decision_number=DECISION),
        world.dossier(State.AWAITING_DECISION, subject_name="Nguyễn Thị Hồng Đang Chờ"),
    ]
    return {"recognized": recognized, "left_out": left_out}


def codes(dossiers) -> list[str]:
    return [d.certificate_code for d in dossiers]


def walk(campaign_id: int, size: int, **filters) -> list[publication.RecognizedPage]:
    pages, after = [], None
    while True:
        page = publication.recognized_page(campaign_id, after, size=size, **filters)
        pages.append(page)
        assert len(page.items) <= size and not page.key_refused
        if page.next_key is None:
            return pages
        assert len(page.items) == size  # only the last page is short
        after = page.next_key


# --- the service ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 100])
def test_pages_of_any_size_visit_every_recognized_dossier_once_in_the_lists_order(world, listed, size):
    whole = publication.recognized_list(world.campaign.id)
    assert sorted(i.certificate_code for i in whole) == sorted(codes(listed["recognized"]))
    pages = walk(world.campaign.id, size)
    paged = [item for page in pages for item in page.items]
    assert paged == whole  # the same lines, each once, in the same order
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    # Numbered within each title across the pages (STT), as the posted lists are.
    numbers: dict[str, list[int]] = {}
    for page in pages:
        for number, item in zip(page.numbers, page.items, strict=True):
            numbers.setdefault(item.title, []).append(number)
    assert {t: n for t, n in numbers.items()} == {t: list(range(1, c + 1)) for t, c in pages[0].titles.items()}
    # Titles in the titles' order; within a title, groups in their natural order.
    assert [t for t in dict.fromkeys(i.title for i in paged)] == ["model_family", "model_group", "model_agency"]
    families = [i.unit_name for i in paged if i.title == "model_family"]
    assert families == sorted(families, key=publication.natural)


@pytest.mark.parametrize("batch", [1, 2, 5])
def test_the_stream_reads_the_whole_list_in_batches(world, listed, batch):
    assert list(publication.recognized_lines(world.campaign.id, batch)) == publication.recognized_list(
        world.campaign.id)


def test_counts_come_per_group_and_per_title(world, listed):
    page = publication.recognized_page(world.campaign.id)
    per_group = Counter(group for _name, group, _title in RECOGNIZED)
    names = {world.units[g].id: world.units[g].name for g in ("G1", "G2", "AG")}
    shown = {names[u.unit_id]: u.count for u in page.units}
    assert shown == {"Tổ dân phố 1": per_group["G1"] - 1, "Tổ dân phố 2": per_group["G2"], "Trường Tiểu học": 1}
    assert [u.name for u in page.units] == ["Tổ dân phố 1", "Tổ dân phố 2", "Trường Tiểu học"]
    assert page.total == page.found == len(RECOGNIZED)
    assert page.titles == {"model_family": 9, "model_group": 1, "model_agency": 1}


def test_a_group_filter_pages_through_that_group_only(world, listed):
    g2 = world.units["G2"].id
    pages = walk(world.campaign.id, 2, unit_id=g2)
    names = [i.subject_name for p in pages for i in p.items]
    assert sorted(names) == sorted(n for n, g, _t in RECOGNIZED if g == "G2")
    assert pages[0].found == len(names) and pages[0].unit_id == g2
    # A group that is not one of the list's filters nothing (a crafted link), and names no choice.
    assert publication.recognized_page(world.campaign.id, unit_id=world.units["G9"].id).unit_id is None


@pytest.mark.parametrize("typed", ["nguyen thi hong", "Nguyễn Thị Hồng", "NGUYEN THI HONG", "  nguyễn   thị hồng "])
def test_a_name_is_found_without_its_diacritics(world, listed, typed):
    pages = walk(world.campaign.id, 1, name=typed)
    assert [i.subject_name for p in pages for i in p.items] == ["Nguyễn Thị Hồng"]
    assert pages[0].found == 1 and pages[0].filtered


def test_a_part_of_a_name_finds_every_name_holding_it_and_never_a_left_out_one(world, listed):
    found = [i.subject_name for p in walk(world.campaign.id, 2, name="hong") for i in p.items]
    assert sorted(found) == ["Nguyễn Thị Hồng", "Nguyễn Văn Hồng", "Trần Thị Hồng Nhung"]


def test_no_one_is_found_by_a_number_or_a_code_the_list_does_not_show(world, listed):
    hong = listed["recognized"][0]
    for typed in (HONG_REF, HONG_REF[-6:], hong.tracking_code, hong.tracking_code.lower(), "hk-0"):
        page = publication.recognized_page(world.campaign.id, name=typed)
        assert (page.found, page.items) == (0, []), typed


def test_a_key_whose_group_has_left_the_list_goes_on_after_that_group(world, listed):
    # A key naming a group with nobody on the list (here: another ward's) begins with the groups after it.
    key = publication.encode_key(["model_family", world.units["G9"].id, "A", 1, 4, 2])
    page = publication.recognized_page(world.campaign.id, key, size=50)
    assert not page.key_refused and page.number == 2
    assert [i.title for i in page.items] == ["model_group", "model_agency"]
    key = publication.encode_key(["model_family", world.units["G1"].id, "Lê Văn An", 10**6, 2, 2])
    page = publication.recognized_page(world.campaign.id, key, size=2)
    assert [i.subject_name for i in page.items] == ["Nguyễn Thị Hồng", "Nguyễn Văn Hồng"]
    assert page.numbers == [3, 4]


# --- the page -------------------------------------------------------------------------------------------------------

def get(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def certificate_codes(html: str) -> list[str]:
    return re.findall(r'href="/public/certificates/([^"]+)"', html)


def next_link(html: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">Trang sau ›</a>', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_page_walks_every_recognized_dossier_exactly_once(client, world, listed, monkeypatch):
    monkeypatch.setattr(publication, "PAGE_SIZE", 3)
    url, seen, pages = f"/public/recognized?campaign={world.campaign.id}", [], 0
    while url:
        status, html = get(client, url)
        assert status == 200
        shown = certificate_codes(html)
        assert 0 < len(shown) <= 3
        seen += shown
        pages += 1
        assert f"Trang {pages}" in html
        assert ('rel="first"' in html) == (pages > 1)
        for dossier in listed["left_out"]:
            assert dossier.subject_name not in html
        url = next_link(html)
    assert Counter(seen) == Counter(codes(listed["recognized"]))
    assert pages == -(-len(RECOGNIZED) // 3)


def test_the_page_shows_the_counts_per_group_and_a_search_box(client, world, listed):
    status, html = get(client, f"/public/recognized?campaign={world.campaign.id}")
    assert status == 200 and "Trang sau" not in html  # one page holds them all
    assert f"{len(RECOGNIZED)} trường hợp được công nhận" in html
    assert 'name="q"' in html and 'name="unit"' in html
    assert f'<option value="{world.units["G2"].id}" >Tổ dân phố 2 (5)</option>' in html
    assert "Tổ dân phố 1</a>: 5" in html and "Trường Tiểu học</a>: 1" in html
    assert "Gia đình kiểu mẫu <small class=\"muted\">(9)</small>" in html


def test_the_search_without_diacritics_finds_nguyen_thi_hong(client, world, listed):
    status, html = get(client, f"/public/recognized?campaign={world.campaign.id}&q=nguyen+thi+hong")
    assert status == 200
    assert "Nguyễn Thị Hồng</a>" in html and "1 trường hợp phù hợp" in html
    assert certificate_codes(html) == [listed["recognized"][0].certificate_code]
    assert 'value="nguyen thi hong"' in html  # the box keeps what was typed
    for dossier in listed["left_out"]:  # "Nguyễn Thị Hồng Từ Chối" holds the name too: refused, never shown
        assert dossier.subject_name not in html
    status, html = get(client, f"/public/recognized?campaign={world.campaign.id}&q={HONG_REF}")
    assert status == 200 and certificate_codes(html) == [] and "Không có ai trong danh sách có tên như vậy" in html


def test_the_search_and_the_group_are_kept_on_the_next_page(client, world, listed, monkeypatch):
    monkeypatch.setattr(publication, "PAGE_SIZE", 1)
    g1 = world.units["G1"].id
    status, html = get(client, f"/public/recognized?campaign={world.campaign.id}&q=hong&unit={g1}")
    assert status == 200 and "2 trường hợp phù hợp" in html
    link = next_link(html)
    assert link and f"unit={g1}" in link and "q=hong" in link
    status, second = get(client, link)
    assert status == 200 and next_link(second) is None
    assert {*certificate_codes(html), *certificate_codes(second)} == {
        listed["recognized"][0].certificate_code, listed["recognized"][1].certificate_code}


def key_of(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


GARBAGE_KEYS = [
    "garbage", "%", "AAAA", "====", "null", "_" * 3000, key_of([]), key_of({"title": "model_family"}),
    key_of(["model_family", 10**30, "A", 1, 1, 2]), key_of(["model_family", 1, "A", 1, 1, 1]),
    key_of(["model_family", 1, "A\x00", 1, 1, 2]), key_of(["model_family", 1, "\ud800", 1, 1, 2]),
    key_of(["model_family", 1, "A", -1, 1, 2]), key_of(["model_family", 1, "A" * 5000, 1, 1, 2]),
    key_of(["x" * 40, 1, "A", 1, 1, 2]), key_of(["model_family", 2147483647, "A", 1, 1, 2]),
    key_of([1.5, 1, "A", 1, 1, 2]), key_of([True, True, True, True, True, True]), "W1tbW1tbW10sW11dXV1dXQ",
    key_of("[" * 300 + "]" * 300), base64.urlsafe_b64encode(b"\xff\xfe[1]").decode(),
]


@pytest.mark.parametrize("key", GARBAGE_KEYS)
def test_a_key_that_is_not_ours_shows_the_first_page(client, world, listed, monkeypatch, key):
    monkeypatch.setattr(publication, "PAGE_SIZE", 4)
    base = f"/public/recognized?campaign={world.campaign.id}"
    first = certificate_codes(get(client, base)[1])
    status, html = get(client, f"{base}&after={key}")
    assert status == 200 and certificate_codes(html) == first
    assert "Trang 1" in html
    status, csv_text = get(client, f"/public/recognized.csv?campaign={world.campaign.id}&after={key}")
    assert status == 200


def test_the_csv_is_the_whole_list_streamed_in_batches(client, world, listed, monkeypatch):
    monkeypatch.setattr(publication, "BATCH", 2)
    monkeypatch.setattr(publication, "PAGE_SIZE", 2)
    response = client.get(f"/public/recognized.csv?campaign={world.campaign.id}&q=hong&unit=1")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))[1:]
    assert [r[0] for r in rows] == [str(n) for n in range(1, len(RECOGNIZED) + 1)]
    assert Counter(r[6] for r in rows) == Counter(codes(listed["recognized"]))  # the filters are the page's only
    assert not {d.subject_name for d in listed["left_out"]} & {r[1] for r in rows}


def test_refused_households_are_on_no_public_list(client, world, listed):
    refused = [d for d in listed["left_out"] if d.state == State.NOT_RECOGNIZED]
    assert refused and all(d.state == State.NOT_RECOGNIZED for d in refused)
    campaign = world.campaign.id
    urls = [f"/public/recognized?campaign={campaign}", f"/public/recognized.csv?campaign={campaign}",
            f"/public/recognized?campaign={campaign}&q=tu+choi", f"/public/recognized?campaign={campaign}&q=bi",
            *[f"/public/recognized?campaign={campaign}&unit={world.units[g].id}" for g in ("G1", "G2")],
            f"/api/v1/public/recognized?campaign_id={campaign}"]
    for url in urls:
        status, text = get(client, url)
        assert status == 200, url
        for dossier in refused:
            assert dossier.subject_name not in text and dossier.tracking_code not in text, url
    assert not [i for i in publication.recognized_list(campaign) if i.subject_name.endswith("Từ Chối")]


# --- the notice boards ---------------------------------------------------------------------------------------------

def board_codes(html: str) -> list[str]:
    return re.findall(r'<article class="notice" id="d-([^"]+)">', html)


def test_a_board_pages_through_its_dossiers_once_each(client, world, monkeypatch):
    monkeypatch.setattr(notice_board, "PAGE_SIZE", 2)
    on_notice = [world.dossier(State.PUBLIC_NOTICE, subject_name=f"Hộ ông Niêm Yết {n}") for n in range(5)]
    elsewhere = world.dossier(State.PUBLIC_NOTICE, group="G2")
    url, seen, pages = "/public/notices/G1", [], 0
    while url:
        status, html = get(client, url)
        assert status == 200 and "5 hồ sơ đang niêm yết" in html
        assert 'href="/public/notices?ward=WARD"' in html  # the other boards of its ward
        seen += board_codes(html)
        pages += 1
        assert f"Trang {pages}" in html
        url = next_link(html)
    assert Counter(seen) == Counter(d.tracking_code for d in on_notice) and pages == 3
    assert elsewhere.tracking_code not in seen
    # A key that is not one of ours: the first page, never an error.
    first = board_codes(get(client, "/public/notices/G1")[1])
    for key in GARBAGE_KEYS + [key_of(["2026-02-30", "A", 1, 2]), key_of([None, "A", 1, 1])]:
        status, html = get(client, f"/public/notices/G1?after={key}")
        assert status == 200 and board_codes(html) == first, key


def test_an_objection_sent_from_a_later_page_comes_back_to_it(client, auth, world, monkeypatch):
    from tests.conftest import csrf_from

    monkeypatch.setattr(notice_board, "PAGE_SIZE", 1)
    for n in range(3):
        world.dossier(State.PUBLIC_NOTICE, subject_name=f"Hộ bà Góp Ý {n}")
    auth.login("resident")
    first = get(client, "/public/notices/G1")[1]
    second_url = next_link(first)
    status, second = get(client, second_url)
    dossier_code = board_codes(second)[0]
    dossier = db.session.query(Dossier).filter_by(tracking_code=dossier_code).one()
    action = re.search(r'action="(/public/notices/G1/dossiers/[^"]+)"', second).group(1).replace("&amp;", "&")
    assert "after=" in action
    refused = client.post(action, data={"csrf_token": csrf_from(second), "text": "  "})
    assert refused.status_code == 422 and board_codes(refused.get_data(as_text=True)) == [dossier_code]
    sent = client.post(action, data={"csrf_token": csrf_from(second), "text": "Ngõ nhà này chưa sạch."})
    assert sent.status_code == 302 and sent.headers["Location"] == second_url
    back = get(client, sent.headers["Location"])[1]
    assert "Bạn đã gửi 1 ý kiến về hồ sơ này" in back and dossier.subject_name in back


def test_the_index_lists_the_wards_then_a_wards_boards(client, world):
    world.dossier(State.PUBLIC_NOTICE)
    world.dossier(State.PUBLIC_NOTICE, group="G2")
    status, html = get(client, "/public/notices")  # two wards have groups: choose one first
    assert status == 200 and "Chọn phường, xã của bạn" in html
    assert 'href="/public/notices?ward=WARD"' in html and 'href="/public/notices?ward=WARD2"' in html
    assert "Tổ dân phố 1" not in html
    for asked in ("WARD", "ward", "%20Ward%20"):
        status, html = get(client, f"/public/notices?ward={asked}")
        assert status == 200 and "Phường Thử" in html
        assert "Tổ dân phố 1</a>" in html and "Tổ dân phố 2</a>" in html and "Tổ dân phố 9" not in html
        assert "1 hồ sơ đang niêm yết" in html.split("Tổ dân phố 2</a>")[1].split("</li>")[0]
        assert "Chọn phường, xã khác" in html
    for asked in ("G1", "NOPE", "x" * 300, "%00", "AG"):
        status, html = get(client, f"/public/notices?ward={asked}")
        assert status == 404 and "Không tìm thấy phường, xã này." in html
        assert 'href="/public/notices?ward=WARD"' in html
