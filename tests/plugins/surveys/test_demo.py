"""The demo seeds a survey in each demo municipality, in its language: Haskovo's needs and
attitudes survey has 60 answers and public results."""

import sqlalchemy as sa

from core.toolkit import db, tenant_context
from plugins.surveys import services
from plugins.surveys.models import Survey

EXPECTED = {
    "orestiada": ("Διερεύνηση αναγκών για το Τοπικό Σχέδιο Κοινωνικής Δράσης", 12),
    "haskovo": ("Нужди и нагласи на неправителствените организации към общината", 60),
    "sector3": ("Cum vi s-a părut întâlnirea?", 24),
}


def test_demo_surveys_in_three_languages(app, client_for):
    from core.tenancy import Tenant  # (test-only: the demo municipalities by slug)
    from tenants.demo import seed_demo  # the platform's demo seed (test-only import)

    with app.app_context():
        seed_demo()  # a no-op when another test of this session seeded it already
        db.session.commit()
        slugs = dict(
            db.session.execute(sa.select(Tenant.slug, Tenant.id).where(Tenant.slug.in_(EXPECTED))).all()
        )
        found = {}
        for slug, (title, answers) in EXPECTED.items():
            with tenant_context(slugs[slug]):
                survey = db.session.execute(sa.select(Survey).where(Survey.title == title)).scalar_one()
                assert services.response_count(survey) == answers, slug
                found[slug] = survey.id
        db.session.remove()
    page = client_for("haskovo.localhost").get(f"/surveys/{found['haskovo']}/results").get_data(as_text=True)
    assert "60 отговора" in page and EXPECTED["haskovo"][0] in page
    page = client_for("sector3.localhost").get(f"/surveys/{found['sector3']}/results").get_data(as_text=True)
    assert "24 de răspunsuri" in page
