"""The API, at ``/api/v1/registry/``: the directory, entries, their versions and figures, and
the municipality's totals; reads for everyone, writes with a personal access token. A broken
rule answers 409 (403 where it is about who asks), 422 only for what the schemas refuse."""

import base64
import binascii

from flask.views import MethodView

from core.toolkit import (
    ApiBlueprint,
    RuleViolation,
    abort,
    current_account,
    current_tenant,
    db,
    external_url,
    gettext,
    has_permission,
    require_permission,
)
from plugins.registry import schemas, services

api = ApiBlueprint(
    "registry_api",
    __name__,
    description="The municipality's verified register of social enterprises, services and actions, with yearly figures.",
)

VERIFY = "registry.verify"
SUBMIT = "registry.submit"
RULE = "A rule of the registry refuses it (a field, a date, a review already made); `detail` says which, `code` names it."


def _version_dict(v) -> dict:
    return {
        "id": v.id,
        "entry_id": v.entry_id,
        "number": v.number,
        "status": v.status,
        "submitted_at": v.submitted_at,
        "reviewed_at": v.reviewed_at,
        "document": v.document,
        "reason": v.reason,
        "diff": list(v.diff or []),
    }


def _entry_dict(e) -> dict:
    data = {name: getattr(e, name) for name in services.FIELDS}
    data.update(id=e.id, organisation_id=e.organisation_id, verified_at=e.verified_at)
    return data


@api.route("/entries")
class Entries(MethodView):
    @api.arguments(schemas.EntryQuerySchema, location="query")
    @api.response(200, schemas.EntrySchema(many=True))
    @api.paginate(page=1, page_size=50, max_page_size=200)
    def get(self, filters, pagination_parameters):
        """The directory: verified entries, by name, filtered."""
        found = services.directory(**filters)
        pagination_parameters.item_count = len(found)
        first = pagination_parameters.first_item
        return [_entry_dict(e) for e in found[first : first + pagination_parameters.page_size]]

    @api.arguments(schemas.EntrySchema)
    @api.response(201, schemas.VersionSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(SUBMIT)
    def post(self, data):
        """Submit a new entry on behalf of an organisation you administer (``organisation_id``):
        a pending version, shown to the public once the municipality verifies it."""
        organisation_id = data.pop("organisation_id")
        version = services.submit(
            None, _raw(data), account=current_account(), organisation_id=organisation_id
        )
        answer = _version_dict(version)
        db.session.commit()
        return answer


def _raw(data: dict) -> dict:
    for name in ("starts_on", "ends_on"):
        if data.get(name) is not None:
            data[name] = data[name].isoformat()
    return data


@api.route("/entries/<uuid:entry_id>")
class EntryItem(MethodView):
    @api.response(200, schemas.EntrySchema)
    def get(self, entry_id):
        """One verified entry (the last verified version)."""
        return _entry_dict(services.get_entry(entry_id))


@api.route("/entries/<uuid:entry_id>/versions")
class EntryVersions(MethodView):
    @api.response(200, schemas.VersionSchema(many=True))
    @require_permission(SUBMIT)
    def get(self, entry_id):
        """Every version of an entry with its diff and review (staff, and the organisation's admins)."""
        entry = services.get_entry(entry_id, include_unpublished=True)
        if not (has_permission(VERIFY) or services.may_edit(entry, current_account())):
            abort(403)
        return [_version_dict(v) for v in services.versions_of(entry)]

    @api.arguments(schemas.EntrySchema)
    @api.response(201, schemas.VersionSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(SUBMIT)
    def post(self, data, entry_id):
        """Submit a change to your organisation's entry: pending until verified again."""
        data.pop("organisation_id")
        entry = services.get_entry(entry_id, include_unpublished=True)
        version = services.submit(
            entry, _raw(data), account=current_account(), organisation_id=entry.organisation_id
        )
        answer = _version_dict(version)
        db.session.commit()
        return answer


@api.route("/versions/<uuid:version_id>/review")
class VersionReview(MethodView):
    @api.arguments(schemas.ReviewSchema)
    @api.response(200, schemas.VersionSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(VERIFY)
    def post(self, data, version_id):
        """Verify a pending version against a document, or send it back with a reason (staff)."""
        version = services.get_version(version_id)
        services.review(version, account=current_account(), **data)
        answer = _version_dict(version)
        db.session.commit()
        return answer


@api.route("/entries/<uuid:entry_id>/figures")
class EntryFigures(MethodView):
    @api.response(200, schemas.FiguresSchema(many=True))
    def get(self, entry_id):
        """A verified entry's yearly figures, latest year first."""
        return [services.figures_dict(f) for f in services.figures_of(services.get_entry(entry_id))]


@api.route("/entries/<uuid:entry_id>/figures/<int:year>")
class EntryYearFigures(MethodView):
    @api.arguments(schemas.FiguresSchema)
    @api.response(200, schemas.FiguresSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(SUBMIT)
    def put(self, data, entry_id, year):
        """Give an entry's figures for a year (its organisation's admins, or staff)."""
        entry = services.get_entry(entry_id, include_unpublished=True)
        if not (has_permission(VERIFY) or services.may_edit(entry, current_account())):
            abort(403)
        row = services.save_figures(entry, year, data, account=current_account())
        answer = services.figures_dict(row)
        db.session.commit()
        return answer


@api.route("/totals")
class Totals(MethodView):
    @api.arguments(schemas.YearQuerySchema, location="query")
    @api.response(200, schemas.MunicipalityTotalsSchema)
    def get(self, args):
        """The municipality's totals for a year (verified entries), by kind, sector and group."""
        year = args.get("year") or services.latest_year()
        data = services.municipality_totals(year)
        for group in ("kind", "sector", "group"):
            data[group] = {k: {**v, "budget": float(v["budget"])} for k, v in data[group].items()}
        data["total"] = {**data["total"], "budget": float(data["total"]["budget"])}
        return data


def _pact_dict(p) -> dict:
    data = {n: getattr(p, n) for n in ("id", *services.PACT_FIELDS)}
    data["entry_ids"] = [e.id for e in services.parties_of(p)]
    return data


@api.route("/pacts")
class Pacts(MethodView):
    @api.response(200, schemas.PactSchema(many=True))
    def get(self):
        """The municipality's cooperation pacts with the entries that are parties to them."""
        return [_pact_dict(p) for p in services.pacts()]

    @api.arguments(schemas.PactWriteSchema)
    @api.response(201, schemas.PactSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(VERIFY)
    def post(self, data):
        """Record a cooperation pact between the municipality and entries of its register (staff)."""
        entry_ids = data.pop("entry_ids")
        pact = services.save_pact(None, data, entry_ids, account=current_account())
        answer = _pact_dict(pact)
        db.session.commit()
        return answer


@api.route("/pacts/<uuid:pact_id>")
class PactItem(MethodView):
    @api.response(200, schemas.PactSchema)
    def get(self, pact_id):
        """One pact."""
        return _pact_dict(services.get_pact(pact_id))

    @api.arguments(schemas.PactWriteSchema)
    @api.response(200, schemas.PactSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(VERIFY)
    def put(self, data, pact_id):
        """Change a pact (staff): the change is kept in its history with what changed."""
        pact = services.get_pact(pact_id)
        entry_ids = data.pop("entry_ids")
        services.save_pact(pact, data, entry_ids, account=current_account())
        answer = _pact_dict(pact)
        db.session.commit()
        return answer


def _document_dict(pact, d) -> dict:
    return {
        "id": d.id,
        "filename": d.filename,
        "content_type": d.content_type,
        "size": d.size,
        "uploaded_at": d.uploaded_at,
        "url": external_url(current_tenant().primary_host, f"/registry/pacts/{pact.id}/documents/{d.id}"),
    }


#: the API's status for a signed copy the checks refuse (the page shows them beside its form)
DOCUMENT_STATUS = {"too_large": 413, "unsupported_type": 415}


@api.route("/pacts/<uuid:pact_id>/documents")
class PactDocuments(MethodView):
    @api.response(200, schemas.PactDocumentSchema(many=True))
    def get(self, pact_id):
        """The pact's signed copies, the latest (the pact's signed document) first."""
        pact = services.get_pact(pact_id)
        return [_document_dict(pact, d) for d in services.pact_documents(pact)]

    @api.arguments(schemas.PactDocumentUploadSchema)
    @api.response(201, schemas.PactDocumentSchema)
    @api.alt_response(409, description="The content is empty or not base64.")
    @api.alt_response(413, description="The file is larger than 10 MB.")
    @api.alt_response(415, description="The file is not a PDF, PNG or JPEG (by its content, not its name).")
    @require_permission(VERIFY)
    def post(self, data, pact_id):
        """Upload a signed copy of the pact (staff), as on its page: every copy is kept and the
        upload is in the pact's history."""
        pact = services.get_pact(pact_id)
        try:
            content = base64.b64decode(data["content"], validate=True)
        except (binascii.Error, ValueError):
            raise RuleViolation(
                gettext("The file is not base64."), field="content", code="not_base64"
            ) from None
        try:
            document = services.add_pact_document(pact, data["filename"], content, account=current_account())
        except RuleViolation as exc:
            db.session.rollback()
            exc.status = DOCUMENT_STATUS.get(exc.code, exc.status)
            raise
        answer = _document_dict(pact, document)
        db.session.commit()
        return answer


@api.route("/pacts/<uuid:pact_id>/reviews")
class PactReviews(MethodView):
    @api.arguments(schemas.PactReviewSchema)
    @api.response(201, schemas.PactReviewSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(VERIFY)
    def post(self, data, pact_id):
        """Record the pact's yearly review (staff): the next falls a year later; ``end`` ends it."""
        row = services.record_pact_review(services.get_pact(pact_id), account=current_account(), **data)
        answer = {"reviewed_on": row.reviewed_on, "outcome": row.outcome, "notes": row.notes}
        db.session.commit()
        return answer


@api.route("/pacts/<uuid:pact_id>/history")
class PactHistory(MethodView):
    @api.response(200, schemas.PactHistorySchema)
    def get(self, pact_id):
        """The pact's revisions (what changed, when) and its yearly reviews, latest first."""
        pact = services.get_pact(pact_id)
        return {
            "revisions": [
                {
                    "number": r.number,
                    "changed_at": r.changed_at,
                    "changed": [c["field"] for c in r.diff or []],
                }
                for r in services.pact_revisions(pact)
            ],
            "reviews": [
                {"reviewed_on": r.reviewed_on, "outcome": r.outcome, "notes": r.notes}
                for r in services.pact_reviews(pact)
            ],
        }


@api.route("/reporting-years")
class ReportingYears(MethodView):
    @api.response(200, schemas.ReportingYearSchema(many=True))
    def get(self):
        """The annual campaign's years, latest first, with their due dates."""
        return [{"year": y.year, "due_on": y.due_on} for y in services.reporting_years()]

    @api.arguments(schemas.ReportingYearSchema)
    @api.response(201, schemas.ReportingYearSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(VERIFY)
    def post(self, data):
        """Open a reporting year with its due date (staff); entries are reminded before it."""
        row = services.open_year(data["year"], data["due_on"], account=current_account())
        answer = {"year": row.year, "due_on": row.due_on}
        db.session.commit()
        return answer


@api.route("/consent")
class Consent(MethodView):
    @api.response(200, schemas.ConsentSchema)
    def get(self):
        """Whether the municipality publishes its figures to the regional and national aggregates."""
        return {"opted_in": services.consent()}

    @api.arguments(schemas.ConsentSchema)
    @api.response(200, schemas.ConsentSchema)
    @require_permission(VERIFY)
    def put(self, data):
        """Give or withdraw the consent (staff); the next aggregate run follows it."""
        services.set_consent(data["opted_in"], account=current_account())
        db.session.commit()
        return {"opted_in": data["opted_in"]}
