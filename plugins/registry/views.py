"""The pages, at ``/registry/`` (404 where the plugin is off). Thin: read the form, call a
service, commit, redirect; a broken rule comes back as the same form, filled, with the message
beside the field and a 4xx."""

import datetime as dt
import json
import uuid
from urllib.parse import quote

from flask import Response

from core.toolkit import (
    Blueprint,
    RuleViolation,
    abort,
    current_account,
    current_tenant,
    db,
    flash,
    gettext,
    has_permission,
    organisations_of,
    redirect,
    render_template,
    request,
    require_permission,
    url_for,
    utcnow_aware,
)
from core.toolkit import lazy_gettext as _l
from plugins.registry import forms, services, taxonomy

ui = Blueprint("registry", __name__, template_folder="templates")

VERIFY = "registry.verify"
SUBMIT = "registry.submit"


def _staff() -> bool:
    return has_permission(VERIFY)


def _show_error(form, exc: RuleViolation) -> int:
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    return exc.status


STATUS_LABELS = {
    "pending": _l("waiting for verification"),
    "verified": _l("version verified"),
    "rejected": _l("sent back"),
    "superseded": _l("replaced by a later submission"),
}
FIELD_LABELS = {
    "kind": _l("Kind"),
    "name": _l("Name (as registered)"),
    "legal_form": _l("Legal form"),
    "service_type": _l("Type of service"),
    "provider": _l("Provided by"),
    "business_number": _l("Business registry number"),
    "sse_number": _l("Social economy register number"),
    "description": _l("Description"),
    "services_offered": _l("Services offered"),
    "address": _l("Address"),
    "area": _l("Area"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "sectors": _l("Sectors (NACE Rev. 2)"),
    "population_groups": _l("Population groups served"),
    "languages": _l("Languages served"),
    "contact_name": _l("Contact person"),
    "contact_email": _l("Contact e-mail"),
    "contact_phone": _l("Contact telephone"),
    "website": _l("Website"),
    "opening_hours": _l("Opening hours"),
    "starts_on": _l("Starts"),
    "ends_on": _l("Ends"),
}


def _labels() -> dict:
    return {
        "status_labels": STATUS_LABELS,
        "field_labels": FIELD_LABELS,
        "kinds": taxonomy.KINDS,
        "sectors": taxonomy.SECTORS,
        "groups": taxonomy.POPULATION_GROUPS,
        "legal_forms": taxonomy.all_legal_forms(),
        "service_types": taxonomy.SERVICE_TYPES,
        "providers": taxonomy.PROVIDERS,
        "label": taxonomy.label,
        "language_name": taxonomy.language_name,
    }


def _get(entry_id: uuid.UUID):
    account = current_account()
    entry = services.get_entry(entry_id, include_unpublished=True)
    if not entry.published and not (_staff() or services.may_edit(entry, account)):
        abort(404)
    return entry


# --- the public directory -----------------------------------------------------------------------


@ui.get("/")
def index():
    form = forms.FilterForm(request.args)
    form.fill(current_tenant().country, services.areas())
    status = 200
    if request.args and not form.validate():
        status = 422
    filters = {
        name: getattr(form, name).data or None
        for name in ("q", "kind", "sector", "group", "legal_form", "area")
        if not getattr(form, name).errors
    }
    entries = services.directory(**filters)
    located = [e for e in entries if e.latitude is not None]
    return render_template(
        "registry/index.html",
        form=form,
        entries=entries,
        points=services.point_map(located),
        is_staff=_staff(),
        can_submit=bool(services.manageable_organisations(current_account())),
        **_labels(),
    ), status


@ui.get("/entries/<uuid:entry_id>")
def entry(entry_id: uuid.UUID):
    found = _get(entry_id)
    account = current_account()
    editable = services.may_edit(found, account)
    return render_template(
        "registry/entry.html",
        entry=found,
        figures=services.figures_of(found),
        jsonld=json.dumps(services.jsonld(found), ensure_ascii=False).replace("</", "<\\/"),
        editable=editable,
        is_staff=_staff(),
        pending=services._pending(found) if (editable or _staff()) else [],
        stale=services.is_stale(found),
        pacts=services.pacts(found),
        statuses=forms.PACT_STATUS,
        report_year=services.report_year(),
        **_labels(),
    )


@ui.get("/entries/<uuid:entry_id>/versions")
def versions(entry_id: uuid.UUID):
    found = _get(entry_id)
    if not (_staff() or services.may_edit(found, current_account())):
        abort(403)
    return render_template(
        "registry/versions.html", entry=found, versions=services.versions_of(found), **_labels()
    )


def _entry_form(existing):
    account = current_account()
    staff = _staff()
    organisations = services.manageable_organisations(account)
    if existing is None and not organisations and not staff:
        abort(403)
    if existing is not None and not services.may_edit(existing, account):
        abort(403)
    form = forms.EntryForm(obj=existing)
    form.fill(current_tenant().country, organisations, services.allowed_kinds())
    if existing is not None:
        form.organisation_id.choices = [(str(existing.organisation_id), "—")]
        form.organisation_id.data = str(existing.organisation_id)
    status = 200
    if form.validate_on_submit():
        try:
            if existing is None and not organisations:
                saved_id = services.create_by_staff(
                    form.data_dict(), account=account, document=form.document.data or ""
                ).id
                message = gettext("The entry is recorded and verified.")
            else:
                org_id = int(form.organisation_id.data) if form.organisation_id.data else None
                version = services.submit(existing, form.data_dict(), account=account, organisation_id=org_id)
                saved_id = version.entry_id
                message = gettext(
                    "Submitted. The municipality will verify it; until then the public sees the last verified version."
                )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(message, "success")
            return redirect(url_for("registry.entry", entry_id=saved_id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "registry/entry_form.html",
        form=form,
        entry=existing,
        staff_creates=existing is None and not organisations,
    ), status


@ui.route("/entries/new", methods=["GET", "POST"])
@require_permission(SUBMIT)
def entry_new():
    return _entry_form(None)


@ui.route("/entries/<uuid:entry_id>/edit", methods=["GET", "POST"])
@require_permission(SUBMIT)
def entry_edit(entry_id: uuid.UUID):
    return _entry_form(services.get_entry(entry_id, include_unpublished=True))


@ui.get("/mine")
@require_permission(SUBMIT)
def mine():
    account = current_account()
    org_ids = [o.id for o in services.manageable_organisations(account)]
    today = utcnow_aware().date()
    return render_template(
        "registry/mine.html",
        entries=services.entries_of_organisations(org_ids),
        due=services.due_updates(org_ids, today),
        **_labels(),
    )


# --- staff: verification ------------------------------------------------------------------------


@ui.get("/review")
@require_permission(VERIFY)
def review_queue():
    stale = services.stale_entries()
    return render_template(
        "registry/review_queue.html",
        pending=services.pending_versions(),
        stale=stale,
        notified=services.notified_at(stale),
        **_labels(),
    )


@ui.route("/versions/<uuid:version_id>/review", methods=["GET", "POST"])
@require_permission(VERIFY)
def review(version_id: uuid.UUID):
    version = services.get_version(version_id)
    found = services.get_entry(version.entry_id, include_unpublished=True)
    form = forms.ReviewForm()
    status = 200
    if form.validate_on_submit():
        entry_id = found.id
        try:
            services.review(
                version,
                account=current_account(),
                approve=bool(form.verify.data),
                document=form.document.data or "",
                reason=form.reason.data or "",
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
            version = services.get_version(version_id)
            found = services.get_entry(version.entry_id, include_unpublished=True)
        else:
            flash(gettext("The decision is recorded and the organisation told."), "success")
            return redirect(url_for("registry.entry", entry_id=entry_id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "registry/review.html", form=form, version=version, entry=found, **_labels()
    ), status


@ui.route("/entries/<uuid:entry_id>/hand-over", methods=["GET", "POST"])
@require_permission(VERIFY)
def hand_over(entry_id: uuid.UUID):
    """Staff invite an organisation to take over an entry they recorded (a body without an account)."""
    found = services.get_entry(entry_id, include_unpublished=True)
    form = forms.HandOverForm()
    form.organisation_id.choices = [(str(o.id), o.name) for o in services.approved_organisations()]
    status = 200
    if form.validate_on_submit():
        try:
            services.hand_over(found, int(form.organisation_id.data), account=current_account())
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(
                gettext("The organisation's administrators are invited to keep the entry up to date."),
                "success",
            )
            return redirect(url_for("registry.entry", entry_id=entry_id))
    elif request.method == "POST":
        status = 422
    return render_template("registry/hand_over.html", form=form, entry=found), status


@ui.route("/entries/<uuid:entry_id>/reverify", methods=["GET", "POST"])
@require_permission(VERIFY)
def reverify(entry_id: uuid.UUID):
    found = services.get_entry(entry_id)
    form = forms.ReverifyForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.reverify(found, account=current_account(), document=form.document.data)
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The entry is verified again."), "success")
            return redirect(url_for("registry.entry", entry_id=entry_id))
    elif request.method == "POST":
        status = 422
    return render_template("registry/reverify.html", form=form, entry=found), status


# --- figures and the annual campaign ------------------------------------------------------------


@ui.route("/entries/<uuid:entry_id>/figures/<int:year>", methods=["GET", "POST"])
@require_permission(SUBMIT)
def figures(entry_id: uuid.UUID, year: int):
    found = services.get_entry(entry_id, include_unpublished=True)
    if not (_staff() or services.may_edit(found, current_account())):
        abort(403)
    existing = next((f for f in services.figures_of(found) if f.year == year), None)
    form = forms.FiguresForm(obj=existing)
    status = 200
    if form.validate_on_submit():
        values = {
            name: getattr(form, name).data
            for name in (*services.COUNT_FIELDS, "revenue", "budget", "public_funding_pct")
        }
        try:
            services.save_figures(found, year, values, account=current_account())
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The figures are saved."), "success")
            return redirect(url_for("registry.entry", entry_id=entry_id))
    elif request.method == "POST":
        status = 422
    return render_template("registry/figures_form.html", form=form, entry=found, year=year), status


@ui.route("/campaign", methods=["GET", "POST"])
@require_permission(VERIFY)
def campaign():
    form = forms.YearForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.open_year(form.year.data, form.due_on.data, account=current_account())
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The reporting year is open."), "success")
            return redirect(url_for("registry.campaign"))
    elif request.method == "POST":
        status = 422
    today = utcnow_aware().date()
    years = [(y, services.campaign(y, today)) for y in services.reporting_years()]
    return render_template("registry/campaign.html", form=form, years=years, today=today), status


@ui.route("/consent", methods=["GET", "POST"])
@require_permission(VERIFY)
def consent():
    form = forms.ConsentForm(opted_in=services.consent())
    if form.validate_on_submit():
        services.set_consent(bool(form.opted_in.data), account=current_account())
        db.session.commit()
        flash(gettext("Saved. The next aggregate run follows this decision."), "success")
        return redirect(url_for("registry.consent"))
    return render_template("registry/consent.html", form=form, history=services.consent_history())


# --- the municipality's totals and open data ----------------------------------------------------


def _year() -> int:
    years = services.years_with_figures()
    try:
        wanted = int(request.args.get("year", ""))
    except ValueError:
        wanted = None
    return wanted if wanted in years else (years[0] if years else dt.date.today().year)


@ui.get("/totals")
def totals():
    year = _year()
    return render_template(
        "registry/totals.html",
        data=services.municipality_totals(year),
        years=services.years_with_figures(),
        year=year,
        **_labels(),
    )


@ui.get("/export.csv")
def export_csv():
    body = services.to_csv(services.export_rows(), services.EXPORT_COLUMNS)
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=registry.csv"}
    )


@ui.get("/export.json")
def export_json():
    return Response(
        json.dumps({"entries": services.export_rows()}, ensure_ascii=False, default=str),
        mimetype="application/json",
    )


@ui.get("/totals.json")
def totals_json():
    data = services.municipality_totals(_year())
    return Response(json.dumps(data, ensure_ascii=False, default=float), mimetype="application/json")


@ui.get("/entries.jsonld")
def jsonld_dump():
    return Response(json.dumps(services.jsonld_dump(), ensure_ascii=False), mimetype="application/ld+json")


def organisation_ids_of(account) -> list[int]:
    return [m.organisation_id for m in organisations_of(account) if m.role == "admin"]


# --- cooperation pacts --------------------------------------------------------------------------


@ui.get("/pacts")
def pact_list():
    today = utcnow_aware().date()
    rows = [(p, services.parties_of(p)) for p in services.pacts()]
    return render_template(
        "registry/pacts.html", rows=rows, today=today, is_staff=_staff(), statuses=forms.PACT_STATUS
    )


def _pact_form(existing):
    """New or edit: the same form; a broken rule comes back filled, with the message beside the
    field (the uploaded file has to be chosen again: browsers do not refill file inputs)."""
    form = forms.PactForm(obj=existing)
    form.entry_ids.choices = [(str(e.id), e.name) for e in services.directory()]
    if existing is not None and request.method == "GET":
        form.entry_ids.data = [str(e.id) for e in services.parties_of(existing)]
    status = 200
    if form.validate_on_submit():
        data = {n: getattr(form, n).data for n in services.PACT_FIELDS}
        upload = form.document_file.data
        document = (
            (upload.filename or "", upload.read()) if upload and getattr(upload, "filename", "") else None
        )
        try:
            pact = services.save_pact(
                existing,
                data,
                [uuid.UUID(i) for i in form.entry_ids.data],
                account=current_account(),
                document=document,
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The pact is saved."), "success")
            return redirect(url_for("registry.pact", pact_id=pact.id))
    elif request.method == "POST":
        status = 422
    return render_template("registry/pact_form.html", form=form, pact=existing), status


@ui.route("/pacts/new", methods=["GET", "POST"])
@require_permission(VERIFY)
def pact_new():
    return _pact_form(None)


@ui.route("/pacts/<uuid:pact_id>/edit", methods=["GET", "POST"])
@require_permission(VERIFY)
def pact_edit(pact_id: uuid.UUID):
    return _pact_form(services.get_pact(pact_id))


@ui.get("/pacts/<uuid:pact_id>")
def pact(pact_id: uuid.UUID):
    found = services.get_pact(pact_id)
    return render_template(
        "registry/pact.html",
        pact=found,
        parties=services.parties_of(found),
        documents=services.pact_documents(found),
        reviews=services.pact_reviews(found),
        revisions=services.pact_revisions(found),
        statuses=forms.PACT_STATUS,
        outcomes=forms.PACT_OUTCOME,
        field_labels=PACT_FIELD_LABELS,
        today=utcnow_aware().date(),
        is_staff=_staff(),
    )


PACT_FIELD_LABELS = {
    "title": _l("Title"),
    "scope": _l("Scope"),
    "municipality_commitments": _l("The municipality commits to"),
    "partner_commitments": _l("The partners commit to"),
    "starts_on": _l("Starts"),
    "ends_on": _l("Ends"),
    "signed_document": _l("Signed document"),
    "status": _l("Status"),
    "next_review_on": _l("Next yearly review"),
    "entry_ids": _l("Parties"),
    "document_file": _l("Signed copy (PDF, PNG or JPEG)"),
}


@ui.get("/pacts/<uuid:pact_id>/documents/<uuid:document_id>")
def pact_document(pact_id: uuid.UUID, document_id: uuid.UUID):
    """A signed copy, as the type sniffed at upload, always downloaded (never rendered inline)."""
    doc = services.get_pact_document(services.get_pact(pact_id), document_id)
    return Response(
        doc.content,
        mimetype=doc.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@ui.route("/pacts/<uuid:pact_id>/review", methods=["GET", "POST"])
@require_permission(VERIFY)
def pact_review(pact_id: uuid.UUID):
    found = services.get_pact(pact_id)
    form = forms.PactReviewForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.record_pact_review(
                found,
                reviewed_on=form.reviewed_on.data,
                outcome=form.outcome.data,
                notes=form.notes.data or "",
                account=current_account(),
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
            found = services.get_pact(pact_id)
        else:
            flash(gettext("The review is recorded."), "success")
            return redirect(url_for("registry.pact", pact_id=pact_id))
    elif request.method == "POST":
        status = 422
    return render_template("registry/pact_review.html", form=form, pact=found), status
