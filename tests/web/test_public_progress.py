"""The public progress page: anyone reads a campaign's counts per step without signing in; no name, no code."""

from datetime import timedelta

from states.enums import State
from workflow.extensions import db
from workflow.services.listing import local_today


def html(response) -> str:
    return response.get_data(as_text=True)


def test_anyone_reads_the_counts_and_no_name(client, world):
    dossiers = [world.dossier(State.WARD_INSPECTION), world.dossier(State.SELF_ASSESSMENT)]
    world.campaign.assessment_due = local_today() - timedelta(days=40)
    db.session.commit()
    response = client.get("/public/progress")
    page = html(response)
    assert response.status_code == 200 and "Công khai tiến độ giải quyết hồ sơ" in page
    assert "<strong>2</strong> hồ sơ đang được giải quyết, trong đó 1 quá hạn" in page
    row = page.split("Tự đánh giá", 2)[-1].split("</tr>", 1)[0]  # the self-assessment row of the table
    assert 'class="mark mark-overdue">1<' in row
    for d in dossiers:
        assert d.subject_name not in page and d.tracking_code not in page and d.subject_ref not in page
    other = html(client.get(f"/public/progress?campaign={world.campaign2.id}"))
    assert "<strong>0</strong> hồ sơ đã đăng ký" in other


def test_an_unknown_campaign_is_a_clear_404(client, world):
    for asked in ("999999", "abc", "99999999999999999999"):
        response = client.get(f"/public/progress?campaign={asked}")
        assert response.status_code == 404 and "Không tìm thấy đợt thi đua này." in html(response)


def test_the_lookups_are_limited_per_address(app, client, world):
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 2
    assert [client.get("/public/progress").status_code for _ in range(3)] == [200, 200, 429]
    assert "Tra cứu quá nhiều lần" in html(client.get("/public/progress"))
