"""The NGO dashboard on the apex: an organisation's producer status, the market days it sells
at and the households it referred (counted, not named), across municipalities; another
organisation's are not shown."""

from core.toolkit import Account, Affiliation, AffiliationStatus, db, tenant_context
from plugins.markets import grocery, services
from tests.plugins.markets.conftest import make_day
from tests.plugins.markets.test_grocery import _ngo


def _affiliate(app, tenant, org_id, member):
    with app.app_context(), tenant_context(tenant.id):
        db.session.add(
            Affiliation(
                organisation_id=org_id, status=AffiliationStatus.APPROVED.value, requested_by_id=member.id
            )
        )
        db.session.commit()
        db.session.remove()


def test_the_ngo_dashboard_shows_producers_markets_and_referrals_across_municipalities(
    app, tenant_factory, account_factory, apex_client, sign_in
):
    one = tenant_factory(plugins=["markets"], locale="el", locales=["el"], name="Δήμος Ορεστιάδας")
    two = tenant_factory(plugins=["markets"], locale="el", locales=["el"], name="Δήμος Σουφλίου")
    member = account_factory(memberships={one: "member", two: "member"}, locale="el")
    stranger = account_factory(memberships={one: "member"})
    org = _ngo(app, one, member, "Κοινωνική Συνεταιριστική Έβρου")
    _affiliate(app, two, org, member)
    other_org = _ngo(app, one, stranger, "Άλλη ΜΚΟ")
    with app.app_context(), tenant_context(one.id):
        seller = services.apply_producer(
            db.session.get(Account, member.id), name="Συνεταιρισμός Βύσσας", area="Έβρος", organisation_id=org
        )
        services.decide_producer(seller, None, status="approved", reason="")
        product = services.save_product(seller, None, name="Μέλι", unit="kg", price="9")
        other = services.apply_producer(
            db.session.get(Account, stranger.id),
            name="Ξένος Παραγωγός",
            area="Έβρος",
            organisation_id=other_org,
        )
        db.session.commit()
        product_id = product.id
        db.session.remove()
    make_day(app, one, [product_id], title="Λαϊκή της Πέμπτης")
    with app.app_context(), tenant_context(two.id):
        for name in ("Οικογένεια Α", "Οικογένεια Β"):
            grocery.apply(
                applicant=db.session.get(Account, member.id),
                name=name,
                size=3,
                monthly_income=350,
                channel="ngo",
                organisation_id=org,
                consent=True,
            )
        db.session.commit()
        db.session.remove()
    assert other is not None

    sign_in(apex_client, member)
    page = apex_client.get("/dashboard?lang=el").get_data(as_text=True)
    assert "Αλληλέγγυες αγορές και κοινωνικά παντοπωλεία" in page
    card = page[page.index("Αλληλέγγυες αγορές και κοινωνικά παντοπωλεία") :]
    orestiada, soufli = card.index("Δήμος Ορεστιάδας"), card.index("Δήμος Σουφλίου")
    assert "Συνεταιρισμός Βύσσας" in card[orestiada:soufli] and "Εγκεκριμένος" in card[orestiada:soufli]
    assert "Λαϊκή της Πέμπτης" in card[orestiada:soufli]
    assert "Υποβλήθηκε 2" in card[soufli:]  # counted
    assert "Οικογένεια Α" not in page and "Ξένος Παραγωγός" not in page  # never named; not theirs

    sign_in(apex_client, stranger)
    theirs = apex_client.get("/dashboard?lang=el").get_data(as_text=True)
    assert "Ξένος Παραγωγός" in theirs and "Συνεταιρισμός Βύσσας" not in theirs
    assert "Λαϊκή της Πέμπτης" not in theirs  # pending: sells nowhere yet
