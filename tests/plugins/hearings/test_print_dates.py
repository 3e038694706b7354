"""Issue 16 §1: a printed outcome report carries its publication date, not only the printing date."""

from __future__ import annotations

import re

from tests.plugins.hearings.conftest import make_consultation, set_hearings_settings


def test_the_printed_outcome_names_its_publication_date(app, world, tenant_client, sign_in):
    set_hearings_settings(app, world.tenant, consultation_minimum_days=1)
    c = make_consultation(app, world.tenant)
    staff = sign_in(tenant_client(world.tenant), world.staff)
    staff.post(
        f"/hearings/consultations/{c['id']}/status",
        data={"action": "close", "confirmed": "yes", "reason": "x"},
    )
    assert (
        staff.post(f"/hearings/consultations/{c['id']}/outcome", data={"summary": "Done."}).status_code == 302
    )
    page = (
        tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}/outcome").get_data(as_text=True)
    )
    masthead = re.search(r'<span class="print-date">(.*?)</span>', page, re.S).group(1)
    assert "Published on" in masthead and "Printed on" in masthead
    # a page that is not a document has the printing date only
    home = tenant_client(world.tenant).get("/hearings/").get_data(as_text=True)
    assert "Published on" not in re.search(r'<span class="print-date">(.*?)</span>', home, re.S).group(1)
