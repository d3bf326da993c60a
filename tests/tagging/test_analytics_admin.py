"""Admin's audience dashboard: staff with the "view audience analytics" permission see the figures as charts
and tables; other staff are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.urls import reverse

from tagging.models import AssignmentSource, TagGroup
from tagging.services.tags import tag_create, tags_assign
from tests.factories import JournalFactory, ResearcherFactory

pytestmark = pytest.mark.django_db

URL = "/admin/tagging/audience/"


@pytest.fixture
def analyst(client, django_user_model):
    user = django_user_model.objects.create_user("analyst", password="a-long-analyst-password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="tagging", codename="view_audience"))
    client.force_login(user)
    return client


def _charts(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="audience-charts" type="application/json">') + len(
        '<script id="audience-charts" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])


def test_the_dashboard_lives_at_its_admin_address():
    assert reverse("admin:tagging_audience_changelist") == URL


def test_staff_with_the_permission_see_charts_and_tables_of_the_figures(analyst):
    subject = tag_create(slug="oncology", name_en="Oncology", name_zh_hans="肿瘤学", group=TagGroup.SUBJECT)
    people = [ResearcherFactory(institution="清华大学"), ResearcherFactory(institution="复旦大学", language="en")]
    tags_assign(tag=subject, researcher_ids=[people[0].pk], source=AssignmentSource.STAFF)
    JournalFactory(name_zh_hans="应用科学学报")

    response = analyst.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    html = response.content.decode()
    assert "tagging/vendor/chart.umd.min.js" in html and "scholar_link/charts.js" in html
    charts = _charts(response)
    assert charts["institutions"]["labels"] == ["复旦大学", "清华大学"]
    assert charts["institutions"]["datasets"][0]["data"] == [1, 1]
    assert charts["regions"]["labels"] == ["北京", "上海"]
    assert charts["tag-groups"]["datasets"][0]["data"] == [1]
    assert charts["languages"]["datasets"][0]["data"] == [1, 1]
    assert len(charts["growth"]["labels"]) == 12
    assert '<canvas data-chart="regions"' in html
    assert "<td>清华大学</td><td class=\"number\">1</td>" in html  # the table beside the chart
    assert "应用科学学报" in html
    assert 'name="action"' not in html


def test_the_dashboard_speaks_english_to_english_staff(analyst):
    ResearcherFactory(institution="Fudan University")

    response = analyst.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert _charts(response)["regions"]["labels"] == ["Shanghai"]
    assert "Researchers by region" in response.content.decode()


def test_without_researchers_the_dashboard_says_what_fills_it(analyst):
    response = analyst.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="audience-empty"' in html
    assert "audience-charts" not in html


def test_staff_without_the_permission_are_refused(client, django_user_model):
    other = django_user_model.objects.create_user("clerk", password="a-long-clerk-password", is_staff=True)
    other.user_permissions.set(Permission.objects.filter(codename="view_researcher"))
    client.force_login(other)

    assert client.get(URL).status_code == 403


def test_researchers_and_anonymous_visitors_are_sent_to_sign_in(client, django_user_model):
    assert client.get(URL).status_code == 302
    client.force_login(django_user_model.objects.create_user("someone", password="a-long-someone-password"))
    assert client.get(URL).status_code == 302


def test_the_dashboard_is_read_only(analyst):
    assert analyst.post(URL, {}).status_code == 405
    assert analyst.get(f"{URL}1/change/").status_code == 404


def test_chart_js_is_vendored_with_its_licence():
    script = Path(finders.find("tagging/vendor/chart.umd.min.js"))
    licence = Path(finders.find("tagging/vendor/chart.js.LICENSE.md"))

    assert script.read_text(encoding="utf-8").startswith("/*!\n * Chart.js v4.6.1")
    assert "MIT License" in licence.read_text(encoding="utf-8")


def test_count_again_now_forgets_the_cached_figures(analyst):
    ResearcherFactory(institution="清华大学")
    assert _charts(analyst.get(URL))["languages"]["datasets"][0]["data"] == [1, 0]
    ResearcherFactory(institution="清华大学")
    assert _charts(analyst.get(URL))["languages"]["datasets"][0]["data"] == [1, 0]  # cached

    response = analyst.get(f"{URL}?recount=1")

    assert response.status_code == 302 and response["Location"] == URL
    assert _charts(analyst.get(URL))["languages"]["datasets"][0]["data"] == [2, 0]


def test_the_admin_index_links_to_the_dashboard_for_permitted_staff_only(analyst, client, django_user_model):
    assert f'href="{URL}"' in analyst.get("/admin/").content.decode()

    clerk = django_user_model.objects.create_user("clerk2", password="a-long-clerk-password", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename="view_researcher"))
    client.force_login(clerk)
    assert f'href="{URL}"' not in client.get("/admin/").content.decode()
