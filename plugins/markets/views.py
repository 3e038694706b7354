"""The pages, at ``/markets/`` (404 in a municipality that has not enabled the plugin).

Thin: read the form, call a service, commit, render. A broken rule on a form comes back as the
same form with what was typed and the message, and a 4xx.
"""

import datetime as dt
import uuid

from flask_babel import format_decimal

from core.toolkit import (
    Blueprint,
    RuleViolation,
    abort,
    current_account,
    db,
    flash,
    gettext,
    has_permission,
    ngettext,
    redirect,
    render_template,
    request,
    require_permission,
    to_local,
    to_utc,
    url_for,
    utcnow_aware,
)
from plugins.markets import distribution, forms, grocery, photos, services, shares
from plugins.markets.models import OrderStatus, ProducerStatus

ui = Blueprint("markets", __name__, template_folder="templates")


@ui.context_processor
def _formatting():
    """Quantities, money and units in the reader's language (1,5 κιλά; 9,00 €)."""
    return {
        "qty": lambda value: format_decimal(value.normalize() if hasattr(value, "normalize") else value),
        "money": lambda value: format_decimal(value, format="#,##0.00") + "\u00a0€",
        "plain": services._qty,  # what a form field is given back: no grouping, a dot
        "unit_label": services.unit_label,
    }


MANAGE = "markets.manage"
ORDER = "markets.order"
PRODUCER = "markets.producer"
VALIDATE = "markets.validate"


def _show_error(form, exc: RuleViolation) -> int:
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    return exc.status


def _local_input(value):
    return to_local(value).replace(tzinfo=None) if value is not None else None


# --- market days --------------------------------------------------------------------------------


@ui.get("/")
def index():
    manager = has_permission(MANAGE)
    days = services.list_market_days(include_unpublished=manager)
    return render_template(
        "markets/index.html",
        days=days,
        is_manager=manager,
        now=utcnow_aware(),
        open_now=services.window_open,
        producers=services.producers_of(current_account()),
    )


@ui.route("/days/<uuid:day_id>", methods=["GET", "POST"])
def day(day_id: uuid.UUID):
    """The market day: offers by producer and, while pre-orders are open, the basket."""
    manager = has_permission(MANAGE)
    found = services.get_market_day(day_id, include_unpublished=manager)
    account = current_account()
    form = forms.EmptyForm()
    offers = services.offers_of(found)
    slots = services.slots_of(found)
    order = services.my_order(found, account)
    held = {}
    if order is not None and order.status == OrderStatus.CONFIRMED:
        held = {line.offer_id: line.quantity for line, _o, _p in services.lines_of(order)}
    typed, errors, status = {}, [], 200
    if request.method == "POST":
        if account is None or not has_permission(ORDER):
            abort(403)
        form.validate_on_submit() or abort(400)
        typed = {str(v.offer.id): request.form.get(f"qty-{v.offer.id}", "").strip() for v in offers}
        lines = {}
        for v in offers:
            text = typed[str(v.offer.id)]
            if text:
                lines[v.offer.id] = text
        try:
            slot_id = uuid.UUID(request.form.get("slot_id", ""))
        except ValueError:
            slot_id = None
        try:
            if slot_id is None:
                raise RuleViolation(gettext("Choose one of the pick-up times listed."), field="slot_id")
            services.place_order(found.id, account, slot_id=slot_id, lines=lines)
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            errors.append(exc.message)
            status = exc.status
        else:
            flash(
                gettext("Your pre-order is confirmed. We have sent you an email with the details."), "success"
            )
            return redirect(url_for("markets.day", day_id=day_id))
        found = services.get_market_day(day_id, include_unpublished=manager)
        offers, slots = services.offers_of(found), services.slots_of(found)
        order = services.my_order(found, account)
    by_producer: dict = {}
    for v in offers:
        by_producer.setdefault(v.producer.id, {"producer": v.producer, "offers": []})["offers"].append(v)
    return render_template(
        "markets/day.html",
        day=found,
        groups=list(by_producer.values()),
        photos=photos.photo_sizes(v.product.id for v in offers),
        slots=slots,
        order=order,
        held=held,
        typed=typed,
        errors=errors,
        form=form,
        chosen_slot=request.form.get("slot_id")
        or (str(order.slot_id) if order and order.status == OrderStatus.CONFIRMED else ""),
        window_open=services.window_open(found, utcnow_aware()),
        can_order=account is not None and has_permission(ORDER),
        is_manager=manager,
    ), status


@ui.post("/days/<uuid:day_id>/cancel")
@require_permission(ORDER)
def cancel(day_id: uuid.UUID):
    forms.EmptyForm().validate_on_submit() or abort(400)
    found = services.get_market_day(day_id)
    order = services.my_order(found, current_account())
    if order is None:
        abort(404)
    services.cancel_order(order, current_account())
    db.session.commit()
    flash(gettext("Your pre-order is cancelled."), "success")
    return redirect(url_for("markets.day", day_id=day_id))


@ui.get("/mine")
@require_permission(ORDER)
def mine():
    return render_template("markets/mine.html", orders=services.orders_of_account(current_account()))


# --- producers ----------------------------------------------------------------------------------


@ui.route("/producer", methods=["GET", "POST"])
@require_permission(PRODUCER)
def producer():
    """A producer's own page: the application, then products and offers once approved."""
    account = current_account()
    mine = services.producers_of(account)
    active = next(
        (
            p
            for p in mine
            if p.status in (ProducerStatus.APPROVED, ProducerStatus.PENDING, ProducerStatus.SUSPENDED)
        ),
        None,
    )
    form = forms.ProducerApplicationForm()
    orgs = services.representable_organisations(account)
    form.organisation_id.choices = [("", gettext("For myself"))] + [
        (str(o.id), gettext("On behalf of %(name)s", name=o.name)) for o in orgs
    ]
    status = 200
    if active is None and form.validate_on_submit():
        upload = form.document.data
        documents = []
        if upload is not None and getattr(upload, "filename", ""):
            documents.append((form.document_kind.data, upload.filename, upload.read()))
        try:
            services.apply_producer(
                account,
                name=form.name.data,
                area=form.area.data or "",
                description=form.description.data or "",
                organisation_id=int(form.organisation_id.data) if form.organisation_id.data else None,
                documents=documents,
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(
                gettext("Your application is sent. The market's staff will decide and tell you by email."),
                "success",
            )
            return redirect(url_for("markets.producer"))
    elif request.method == "POST":
        status = 422
    products = (
        services.products_of(active)
        if active is not None and active.status == ProducerStatus.APPROVED
        else []
    )
    days = services.list_market_days() if products else []
    return render_template(
        "markets/producer.html",
        form=form,
        producer=active,
        history=mine,
        products=products,
        photos=photos.photo_sizes(p.id for p in products),
        my_plans=[plan for plan, owner in shares.plans() if active is not None and owner.id == active.id],
        days=days,
    ), status


@ui.route("/producer/products/new", methods=["GET", "POST"])
@require_permission(PRODUCER)
def product_new():
    return _product_form(None)


@ui.route("/producer/products/<uuid:product_id>/edit", methods=["GET", "POST"])
@require_permission(PRODUCER)
def product_edit(product_id: uuid.UUID):
    return _product_form(product_id)


def _product_form(product_id):
    producer = services.approved_producer(current_account())
    product = None
    if product_id is not None:
        product = services.get_product(product_id)
        if product.producer_id != producer.id:
            abort(404)
    form = forms.ProductForm(obj=product)
    status = 200
    if form.validate_on_submit():
        try:
            saved = services.save_product(
                producer,
                product,
                name=form.name.data,
                category=form.category.data or "",
                unit=form.unit.data,
                price=form.price.data,
                origin=form.origin.data or "",
                labels=form.labels.data or "",
                active=form.active.data,
            )
            upload = form.photo.data
            if upload is not None and getattr(upload, "filename", ""):
                photos.set_photo(saved, upload.read(), max_kb=services.settings()["max_photo_kb"])
            elif form.remove_photo.data:
                photos.remove_photo(saved)
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The product is saved."), "success")
            return redirect(url_for("markets.producer"))
    elif request.method == "POST":
        status = 422
    photo = photos.photo_sizes([product.id]).get(product.id) if product is not None else None
    return render_template("markets/product_form.html", form=form, product=product, photo=photo), status


@ui.get("/products/<uuid:product_id>/photo")
def product_photo(product_id: uuid.UUID):
    """A product's photo, public like the market day it is offered at; the URL carries its
    version, so it may be cached."""
    from flask import Response

    photo = photos.photo_of(product_id)
    if photo is None:
        abort(404)
    return Response(
        photo.content,
        mimetype=photo.content_type,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


@ui.route("/producer/days/<uuid:day_id>/offers", methods=["GET", "POST"])
@require_permission(PRODUCER)
def producer_offers(day_id: uuid.UUID):
    """The quantities a producer brings to a market day, one box per product."""
    producer = services.approved_producer(current_account())
    found = services.get_market_day(day_id)
    products = [p for p in services.products_of(producer) if p.active]
    current = {
        v.offer.product_id: v.offer
        for v in services.offers_of(found, sellable_only=False)
        if v.producer.id == producer.id
    }
    form = forms.EmptyForm()
    errors, typed, status = {}, {}, 200
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        for p in products:
            text = request.form.get(f"qty-{p.id}", "").strip()
            typed[str(p.id)] = text
            if not text and p.id not in current:
                continue
            try:
                services.set_offer(found, p, text or "0")
            except RuleViolation as exc:
                errors[str(p.id)] = exc.message
                status = max(status, exc.status)
        if errors:
            db.session.rollback()
            status = 422 if status == 200 else status
        else:
            db.session.commit()
            flash(gettext("Your offers are saved."), "success")
            return redirect(url_for("markets.producer"))
    return render_template(
        "markets/producer_offers.html",
        form=form,
        day=found,
        products=products,
        current=current,
        typed=typed,
        errors=errors,
    ), status


# --- market staff -------------------------------------------------------------------------------


@ui.get("/manage/producers")
@require_permission(MANAGE)
def producers():
    return render_template("markets/producers.html", producers=services.list_producers())


@ui.route("/manage/producers/<uuid:producer_id>", methods=["GET", "POST"])
@require_permission(MANAGE)
def producer_review(producer_id: uuid.UUID):
    found = services.get_producer(producer_id)
    form = forms.ProducerDecisionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.decide_producer(
                found, current_account(), status=form.status.data, reason=form.reason.data or ""
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The decision is recorded and the producer is told."), "success")
            return redirect(url_for("markets.producers"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "markets/producer_review.html",
        form=form,
        producer=found,
        documents=services.documents_of(found),
        labels=forms.DOCUMENT_LABELS,
    ), status


@ui.get("/manage/documents/<uuid:document_id>")
@require_permission(MANAGE)
def document(document_id: uuid.UUID):
    from flask import Response

    doc = services.get_document(document_id)
    return Response(
        doc.content,
        mimetype=doc.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{doc.id}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@ui.route("/manage/days/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def day_new():
    return _day_form(None)


@ui.route("/manage/days/<uuid:day_id>/edit", methods=["GET", "POST"])
@require_permission(MANAGE)
def day_edit(day_id: uuid.UUID):
    return _day_form(services.get_market_day(day_id, include_unpublished=True))


def _day_form(existing):
    form = forms.MarketDayForm(obj=existing)
    form.status.choices = forms.day_status_choices()
    if request.method == "GET" and existing is not None:
        form.opens_at.data, form.closes_at.data = (
            _local_input(existing.opens_at),
            _local_input(existing.closes_at),
        )
    status = 200
    if form.validate_on_submit():
        try:
            saved = services.save_market_day(
                existing,
                title=form.title.data,
                day_date=form.day.data,
                opens_at=to_utc(form.opens_at.data),
                closes_at=to_utc(form.closes_at.data),
                place=form.place.data or "",
                status=form.status.data,
            )
            saved_id = saved.id
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The market day is saved."), "success")
            return redirect(url_for("markets.day", day_id=saved_id))
    elif request.method == "POST":
        status = 422
    return render_template("markets/day_form.html", form=form, day=existing), status


@ui.route("/manage/days/<uuid:day_id>/slots/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def slot_new(day_id: uuid.UUID):
    found = services.get_market_day(day_id, include_unpublished=True)
    form = forms.SlotForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.save_slot(
                found,
                None,
                starts_at=to_utc(form.starts_at.data),
                ends_at=to_utc(form.ends_at.data),
                capacity=form.capacity.data,
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The slot is added."), "success")
            return redirect(url_for("markets.day", day_id=day_id))
    elif request.method == "POST":
        status = 422
    return render_template("markets/slot_form.html", form=form, day=found), status


@ui.route("/days/<uuid:day_id>/picklist", methods=["GET", "POST"])
@require_permission(PRODUCER)
def picklist(day_id: uuid.UUID):
    """Printable pick lists per producer and slot, totals per product; staff check orders off
    (a producer sees only their own lines)."""
    manager = has_permission(MANAGE)
    found = services.get_market_day(day_id, include_unpublished=manager)
    mine = None if manager else services.approved_producer(current_account())
    form = forms.EmptyForm()
    if request.method == "POST":
        if not manager:
            abort(403)
        form.validate_on_submit() or abort(400)
        if not _is_uuid(request.form.get("order_id")):
            abort(400)
        order = services.get_order(uuid.UUID(request.form["order_id"]))
        if order.market_day_id != found.id:
            abort(404)
        services.check_off(order, collected=request.form.get("collected") == "1")
        db.session.commit()
        flash(gettext("The order is checked off."), "success")
        return redirect(url_for("markets.picklist", day_id=day_id))
    return render_template(
        "markets/picklist.html",
        day=found,
        data=services.pick_list(found, producer=mine),
        form=form,
        is_manager=manager,
        OrderStatus=OrderStatus,
    )


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(value or "")
    except ValueError:
        return False
    return True


# --- social grocery -----------------------------------------------------------------------------


@ui.route("/grocery/", methods=["GET", "POST"])
@require_permission(ORDER)
def grocery_index():
    """A household's page: its eligibility, the month's credits, and the shelves."""
    account = current_account()
    household = grocery.household_of(account)
    now = utcnow_aware()
    until = grocery.eligible_until(household, now) if household is not None else None
    form = forms.EmptyForm()
    status = 200
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        if household is None or until is None:
            abort(403)
        try:
            item_id = uuid.UUID(request.form.get("item_id", ""))
            quantity = int(request.form.get("quantity", "1"))
        except ValueError:
            abort(400)
        try:
            grocery.redeem(household, item_id, quantity, now=now)
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
        else:
            flash(gettext("Your order is recorded. Collect it at the next distribution day."), "success")
            return redirect(url_for("markets.grocery_index"))
    balance = grocery.balance(household, now) if until is not None else None
    db.session.commit()  # the month's credits, created on first view
    return render_template(
        "markets/grocery.html",
        household=household,
        until=until,
        balance=balance,
        items=grocery.items(),
        form=form,
        is_validator=has_permission(VALIDATE),
        is_manager=has_permission(MANAGE),
        distribution_days=distribution.upcoming(now),
    ), status


@ui.route("/grocery/apply", methods=["GET", "POST"])
@require_permission(ORDER)
def grocery_apply():
    account = current_account()
    form = forms.HouseholdApplicationForm()
    orgs = services.representable_organisations(account)
    channels = [("online", gettext("For my household"))]
    if has_permission(VALIDATE) or has_permission(MANAGE):
        channels.append(("in_person", gettext("At the counter, for a person who is here")))
    if orgs:
        channels.append(("ngo", gettext("As an NGO, on behalf of a household")))
    form.channel.choices = channels
    form.organisation_id.choices = [("", "—")] + [(str(o.id), o.name) for o in orgs]
    status = 200
    if form.validate_on_submit():
        try:
            grocery.apply(
                applicant=account,
                name=form.name.data,
                size=form.size.data,
                monthly_income=form.monthly_income.data,
                channel=form.channel.data,
                organisation_id=int(form.organisation_id.data) if form.organisation_id.data else None,
                consent=form.consent.data,
                unemployed=form.unemployed.data,
                disability=form.disability.data,
                single_parent=form.single_parent.data,
                social_services_referral=form.social_services_referral.data,
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The application is sent to the validators."), "success")
            return redirect(url_for("markets.grocery_index"))
    elif request.method == "POST":
        status = 422
    return render_template("markets/grocery_apply.html", form=form, has_orgs=bool(orgs)), status


@ui.get("/grocery/applications")
@require_permission(ORDER)
def applications():
    """Validators see every application; an NGO only the ones it referred."""
    rows = grocery.visible_applications(current_account(), validator=has_permission(VALIDATE))
    return render_template(
        "markets/applications.html", rows=rows, threshold=grocery._settings()["income_threshold"]
    )


@ui.route("/grocery/applications/<uuid:application_id>", methods=["GET", "POST"])
@require_permission(ORDER)
def application(application_id: uuid.UUID):
    validator = has_permission(VALIDATE)
    found, household = grocery.get_application(application_id, current_account(), validator=validator)
    form = forms.ApplicationDecisionForm()
    status = 200
    if request.method == "POST":
        if not validator:
            abort(403)
        if form.validate_on_submit():
            try:
                grocery.decide(
                    found, current_account(), status=form.status.data, reason=form.reason.data or ""
                )
                db.session.commit()
            except RuleViolation as exc:
                status = _show_error(form, exc)
            else:
                flash(gettext("The decision is recorded."), "success")
                return redirect(url_for("markets.applications"))
        else:
            status = 422
    return render_template(
        "markets/application.html",
        application=found,
        household=household,
        form=form,
        is_validator=validator,
        threshold=grocery._settings()["income_threshold"],
        credits=grocery.credits_for(household.size),
    ), status


@ui.get("/grocery/statistics")
def statistics():
    return render_template("markets/statistics.html", stats=grocery.statistics())


# --- social grocery: stock (staff) ---------------------------------------------------------------


@ui.get("/grocery/manage/stock")
@require_permission(MANAGE)
def grocery_stock():
    """The shelves with their stock, and the latest donations and purchases."""
    return render_template(
        "markets/grocery_stock.html",
        items=grocery.items(),
        donations=grocery.donations(),
        donor_labels=forms.DONOR_LABELS,
    )


@ui.route("/grocery/manage/items/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def grocery_item_new():
    return _grocery_item_form(None)


@ui.route("/grocery/manage/items/<uuid:item_id>/edit", methods=["GET", "POST"])
@require_permission(MANAGE)
def grocery_item_edit(item_id: uuid.UUID):
    return _grocery_item_form(grocery.get_item(item_id))


def _grocery_item_form(item):
    form = forms.GroceryItemForm(obj=item)
    status = 200
    if form.validate_on_submit():
        try:
            grocery.save_item(
                item,
                name=form.name.data,
                credits=form.credits.data,
                category=form.category.data or "",
                unit=form.unit.data,
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The product is saved."), "success")
            return redirect(url_for("markets.grocery_stock"))
    elif request.method == "POST":
        status = 422
    return render_template("markets/grocery_item_form.html", form=form, item=item), status


@ui.route("/grocery/manage/donations/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def donation_new():
    """Record stock received: a donation (producer, business, NGO, citizen) or a purchase."""
    shelves = grocery.items()
    form = forms.DonationForm()
    form.item_id.choices = [(str(i.id), i.name) for i in shelves]
    if request.method == "GET":
        form.received_on.data = to_local(utcnow_aware()).date()
        if request.args.get("item"):
            form.item_id.data = request.args["item"]
    status = 200
    if form.validate_on_submit():
        try:
            grocery.record_donation(
                grocery.get_item(uuid.UUID(form.item_id.data)),
                donor_kind=form.donor_kind.data,
                donor_name=form.donor_name.data or "",
                quantity=form.quantity.data,
                kilos=form.kilos.data or 0,
                received_on=form.received_on.data,
                staff=current_account(),
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The donation is recorded and the stock updated."), "success")
            return redirect(url_for("markets.grocery_stock"))
    elif request.method == "POST":
        status = 422
    return render_template("markets/donation_form.html", form=form, has_items=bool(shelves)), status


# --- social grocery: distribution days ------------------------------------------------------------


def _typed_lines(shelves) -> tuple[dict[str, str], dict[uuid.UUID, str]]:
    typed = {str(i.id): request.form.get(f"qty-{i.id}", "").strip() for i in shelves}
    return typed, {i.id: typed[str(i.id)] for i in shelves if typed[str(i.id)]}


@ui.route("/grocery/distribution/<uuid:day_id>", methods=["GET", "POST"])
@require_permission(ORDER)
def distribution_day(day_id: uuid.UUID):
    """An eligible household orders goods with its credits for one of the day's slots."""
    found = distribution.get_day(day_id)
    account = current_account()
    household = grocery.household_of(account)
    now = utcnow_aware()
    eligible = household is not None and grocery.eligible_until(household, now) is not None
    shelves = grocery.items()
    form = forms.EmptyForm()
    typed, errors, status = {}, [], 200
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        if not eligible:
            abort(403)
        typed, lines = _typed_lines(shelves)
        try:
            slot_id = uuid.UUID(request.form.get("slot_id", ""))
        except ValueError:
            slot_id = None
        try:
            if slot_id is None:
                raise RuleViolation(
                    gettext("Choose one of the pick-up times listed."), field="slot_id", status=422
                )
            distribution.place_order(household, found.id, slot_id=slot_id, lines=lines, now=now)
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            errors.append(exc.message)
            status = exc.status
            found, shelves = distribution.get_day(day_id), grocery.items()
        else:
            flash(gettext("Your order is recorded. Collect it at the time you chose."), "success")
            return redirect(url_for("markets.distribution_day", day_id=day_id))
    order = distribution.order_of(found, household)
    cancelled = order is not None and order.cancelled_at is not None
    if cancelled:
        order = None
    lines = []
    if order is not None:
        lines = [r for r in distribution.orders_of_day(found) if r["order"].id == order.id][0]["lines"]
    balance = grocery.balance(household, now) if eligible else None
    cancellable = order is not None and order.collected_at is None and grocery._today(now) < found.day
    db.session.commit()  # the month's credits, created on first view
    return render_template(
        "markets/distribution_day.html",
        day=found,
        slots=distribution.slots_of(found),
        items=shelves,
        order=order,
        lines=lines,
        eligible=eligible,
        balance=balance,
        typed=typed,
        errors=errors,
        form=form,
        chosen_slot=request.form.get("slot_id", ""),
        is_manager=has_permission(MANAGE),
        cancelled=cancelled,
        cancellable=cancellable,
    ), status


@ui.route("/grocery/distribution/<uuid:day_id>/cancel", methods=["POST"])
@require_permission(ORDER)
def distribution_cancel(day_id: uuid.UUID):
    """The household cancels its order before the day (credits and stock come back)."""
    forms.EmptyForm().validate_on_submit() or abort(400)
    household = grocery.household_of(current_account())
    if household is None:
        abort(404)
    try:
        distribution.cancel_order(household, day_id)
        db.session.commit()
    except RuleViolation as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
    else:
        flash(gettext("Your order is cancelled; its credits are yours again."), "success")
    return redirect(url_for("markets.distribution_day", day_id=day_id))


@ui.route("/grocery/manage/distribution/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def distribution_new():
    form = forms.DistributionDayForm()
    status = 200
    if form.validate_on_submit():
        try:
            saved = distribution.save_day(form.day.data, place=form.place.data or "")
            saved_id = saved.id
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The distribution day is announced. Add its pick-up times."), "success")
            return redirect(url_for("markets.distribution_slot_new", day_id=saved_id))
    elif request.method == "POST":
        status = 422
    return render_template("markets/distribution_form.html", form=form), status


@ui.route("/grocery/manage/distribution/<uuid:day_id>/slots/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def distribution_slot_new(day_id: uuid.UUID):
    found = distribution.get_day(day_id)
    form = forms.SlotForm()
    status = 200
    if form.validate_on_submit():
        try:
            distribution.add_slot(
                found,
                starts_at=to_utc(form.starts_at.data),
                ends_at=to_utc(form.ends_at.data),
                capacity=form.capacity.data,
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The slot is added."), "success")
            return redirect(url_for("markets.distribution_manage", day_id=day_id))
    elif request.method == "POST":
        status = 422
    return render_template("markets/distribution_slot_form.html", form=form, day=found), status


@ui.route("/grocery/manage/distribution/<uuid:day_id>", methods=["GET", "POST"])
@require_permission(MANAGE)
def distribution_manage(day_id: uuid.UUID):
    """The day's orders by slot, for the staff who hand them over and check them off."""
    found = distribution.get_day(day_id)
    form = forms.EmptyForm()
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        if not _is_uuid(request.form.get("order_id")):
            abort(400)
        distribution.check_off(found, uuid.UUID(request.form["order_id"]))
        db.session.commit()
        flash(gettext("The order is checked off."), "success")
        return redirect(url_for("markets.distribution_manage", day_id=day_id))
    return render_template(
        "markets/distribution_manage.html",
        day=found,
        slots=distribution.slots_of(found),
        rows=distribution.orders_of_day(found),
        form=form,
    )


@ui.route("/grocery/manage/distribution/<uuid:day_id>/orders/<uuid:order_id>/cancel", methods=["GET", "POST"])
@require_permission(MANAGE)
def distribution_order_cancel(day_id: uuid.UUID, order_id: uuid.UUID):
    """Staff cancel a household's order: a page that says what follows and asks the reason,
    then the cancellation (credits, stock and the slot's place back) and a mail to the household."""
    found = distribution.get_day(day_id)
    row = distribution.order_of_day(found, order_id)
    if row is None:
        abort(404)
    form = forms.EmptyForm()
    reason, error, status = "", None, 200
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        reason = request.form.get("reason") or ""  # given back whole when refused
        try:
            _order, household = distribution.cancel_for_household(
                found, order_id, staff=current_account(), reason=reason
            )
            told = distribution.mail_cancelled_by_staff(household, found, reason.strip())
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            if exc.status == 404:
                abort(404)
            error, status = exc.message, exc.status
            row = distribution.order_of_day(found, order_id) or row
        else:
            if told:
                flash(
                    gettext(
                        "The order of %(name)s is cancelled; the household is told by mail.",
                        name=household.name,
                    ),
                    "success",
                )
            else:
                flash(
                    gettext(
                        "The order of %(name)s is cancelled. The household has no account to mail: tell it yourself.",
                        name=household.name,
                    ),
                    "success",
                )
            return redirect(url_for("markets.distribution_manage", day_id=day_id))
    return render_template(
        "markets/order_cancel.html", day=found, row=row, form=form, reason=reason, error=error,
        max_reason=distribution.CANCEL_REASON_MAX,
    ), status  # fmt: skip


@ui.route("/grocery/manage/handout", methods=["GET", "POST"])
@require_permission(MANAGE)
def handout():
    """Staff record goods handed over at the counter, paid with the household's credits."""
    households = distribution.eligible_households()
    shelves = grocery.items()
    form = forms.EmptyForm()
    typed, errors, status, chosen = {}, [], 200, request.form.get("household_id", "")
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        typed, lines = _typed_lines(shelves)
        try:
            if not _is_uuid(chosen):
                raise RuleViolation(gettext("Choose the household."), status=422, field="household_id")
            household = distribution.get_household(uuid.UUID(chosen))
            left = distribution.record_handout(household, lines, staff=current_account())
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            errors.append(exc.message)
            status = exc.status
            households, shelves = distribution.eligible_households(), grocery.items()
        else:
            flash(
                ngettext(
                    "The handout is recorded: %(num)d credit left this month.",
                    "The handout is recorded: %(num)d credits left this month.",
                    left,
                ),
                "success",
            )
            return redirect(url_for("markets.handout"))
    return render_template(
        "markets/handout.html",
        households=households,
        items=shelves,
        typed=typed,
        errors=errors,
        chosen=chosen,
        form=form,
    ), status


# --- community-supported agriculture: season shares -----------------------------------------------


@ui.get("/shares")
def share_plans():
    return render_template(
        "markets/shares.html",
        plans=shares.plans(),
        form=forms.EmptyForm(),
        can_order=current_account() is not None and has_permission(ORDER),
        price_per=forms.PRICE_PER_LABELS,
        frequency=forms.FREQUENCY_LABELS,
    )


@ui.route("/shares/<uuid:plan_id>", methods=["GET", "POST"])
def share_plan(plan_id: uuid.UUID):
    """A plan's box weeks; a subscriber takes a share, or pauses a week."""
    plan = shares.get_plan(plan_id)
    account = current_account()
    form = forms.EmptyForm()
    if request.method == "POST":
        if account is None or not has_permission(ORDER):
            abort(403)
        form.validate_on_submit() or abort(400)
        try:
            if request.form.get("cancel"):
                mine = shares.subscription_of(plan, account)
                if mine is None:
                    abort(404)
                shares.cancel(mine)
                message = gettext("Your share is cancelled and freed for someone else.")
            elif request.form.get("week"):
                mine = shares.subscription_of(plan, account)
                if mine is None:
                    abort(403)
                try:
                    week = dt.date.fromisoformat(request.form["week"])
                except ValueError:
                    abort(400)
                if "slot_id" in request.form:
                    try:
                        slot_id = uuid.UUID(request.form["slot_id"])
                    except ValueError:
                        raise RuleViolation(
                            gettext("Choose one of the pick-up times listed."), status=422, field="slot_id"
                        ) from None
                    shares.choose_slot(mine, week, slot_id)
                    message = gettext("Your pick-up time for that week is saved.")
                else:
                    shares.pause(mine, week)
                    message = gettext("That week is paused: there will be no box for you.")
            else:
                shares.subscribe(plan.id, account)
                message = gettext("You have a share. Pick up your box at the market day of each box week.")
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("markets.share_plan", plan_id=plan_id)), 303
        flash(message, "success")
        return redirect(url_for("markets.share_plan", plan_id=plan_id))
    mine = shares.subscription_of(plan, account)
    producer = services.get_producer(plan.producer_id)
    this_week = shares.monday(to_local(utcnow_aware()).date())
    return render_template(
        "markets/share_plan.html",
        plan=plan,
        producer=producer,
        mine=mine,
        paused=shares.paused_weeks(mine) if mine else set(),
        weeks=shares.weeks(plan),
        this_week=this_week,
        options=shares.pickup_options(plan, this_week) if mine else {},
        chosen=shares.pickups(mine) if mine else {},
        form=form,
        can_order=account is not None and has_permission(ORDER),
        price_per=forms.PRICE_PER_LABELS,
        frequency=forms.FREQUENCY_LABELS,
    )


@ui.route("/producer/shares/new", methods=["GET", "POST"])
@require_permission(PRODUCER)
def share_plan_new():
    producer = services.approved_producer(current_account())
    form = forms.SharePlanForm()
    status = 200
    if form.validate_on_submit():
        try:
            plan = shares.save_plan(
                producer,
                name=form.name.data,
                description=form.description.data or "",
                price=form.price.data,
                price_per=form.price_per.data,
                frequency=form.frequency.data,
                season_start=form.season_start.data,
                season_end=form.season_end.data,
                shares=form.shares.data,
            )
            plan_id = plan.id
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The season shares are offered."), "success")
            return redirect(url_for("markets.share_boxes", plan_id=plan_id))
    elif request.method == "POST":
        status = 422
    return render_template("markets/share_form.html", form=form), status


@ui.get("/producer/shares/<uuid:plan_id>/boxes")
@require_permission(PRODUCER)
def share_boxes(plan_id: uuid.UUID):
    """The producer's view: each box week, where it is picked up, whose boxes."""
    plan = shares.get_plan(plan_id)
    if not has_permission(MANAGE) and plan.producer_id != services.approved_producer(current_account()).id:
        abort(404)
    return render_template("markets/share_boxes.html", plan=plan, boxes=shares.boxes(plan))
