"""Pages of the complete register: entering a recommendation received outside the platform, and
the register in the legal form (printable page, CSV, JSON)."""

from __future__ import annotations

import uuid

from flask import make_response

from core.toolkit import (
    abort,
    current_account,
    db,
    flash,
    redirect,
    render_template,
    require_permission,
    url_for,
)
from core.toolkit import gettext as _
from plugins.hearings.attachments import services as attachments_services
from plugins.hearings.attachments.services import max_attachment
from plugins.hearings.blueprint import _consultation, _is_staff, bp, handled
from plugins.hearings.comments.services import comments_for
from plugins.hearings.common import HearingsError
from plugins.hearings.consultations import services as consultations_services
from plugins.hearings.law import services as law
from plugins.hearings.register import forms, services


def _article_choices(c):
    return [("", _("The whole draft"))] + [
        (str(a.id), f"{a.number}. {a.title}") for a in consultations_services.articles_of(c)
    ]


@bp.route("/consultations/<uuid:cid>/recommendations/new", methods=["GET", "POST"])
@require_permission("hearings.manage")
@handled
def recommendation_new(cid):
    c = consultations_services.get_consultation(cid)
    form = forms.RecommendationForm()
    form.article_id.choices = _article_choices(c)
    status = 200
    if form.validate_on_submit():
        upload = form.scan.data
        scan = None
        if upload is not None and getattr(upload, "filename", ""):
            scan = (upload.filename, upload.read(max_attachment() + 1))
        try:
            article_id = uuid.UUID(form.article_id.data) if form.article_id.data else None
        except ValueError:
            article_id = None
            form.article_id.errors = [_("Choose one of the options listed.")]
        if not form.article_id.errors:
            try:
                cm = services.enter_recommendation(
                    c,
                    current_account(),
                    channel=form.channel.data,
                    received_on=form.received_on.data,
                    sender_name=form.sender_name.data,
                    organisation_name=form.organisation_name.data or "",
                    sender_contact=form.sender_contact.data or "",
                    article_id=article_id,
                    body=form.body.data,
                    scan=scan,
                )
                number = cm.register_number
                db.session.commit()
                flash(_("Entered in the register as no. %(n)d.", n=number), "success")
                return redirect(url_for("hearings.legal_report", cid=c.id))
            except HearingsError as exc:
                db.session.rollback()
                c = consultations_services.get_consultation(cid)
                target = getattr(form, exc.field_name, None) if exc.field_name else None
                if target is not None:
                    target.errors = [*target.errors, exc.message]
                else:
                    flash(exc.message, "error")
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("hearings/recommendation_form.html", c=c, form=form), status


@bp.get("/consultations/<uuid:cid>/report")
@handled
def legal_report(cid):
    c = _consultation(cid)
    staff = _is_staff()
    data = services.report(c, staff)
    received = [cm for cm in comments_for(c) if cm.received] if staff else []
    scans = attachments_services.scans_of(c.id) if staff else {}
    return render_template(
        "hearings/legal_report.html",
        c=c,
        report=data,
        labels={col["code"]: col["label"] for col in data["columns"]},
        staff=staff,
        rules=law.rule_set(),
        scans=[(cm.register_number, scans[cm.id]) for cm in received if cm.id in scans],
        contacts={cm.register_number: cm.sender_contact for cm in received},
        exceptions=law.exceptions_of(c),
    )


@bp.get("/consultations/<uuid:cid>/report.<fmt>")
@handled
def legal_report_download(cid, fmt):
    c = _consultation(cid)
    if fmt == "csv":
        body, mimetype = services.report_csv(c, _is_staff()), "text/csv; charset=utf-8"
    elif fmt == "json":
        body, mimetype = services.report_json(c, _is_staff()), "application/json"
    else:
        abort(404)
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{services.law.rule_set().register_form}-{c.id}.{fmt}"'
    )
    return response
