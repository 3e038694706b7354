"""The API, at ``/api/v1/volunteers/``: reads for everyone (sign-up lists for coordinators), writes
with a personal access token. A broken rule answers 409 (403/404 where it is about who asks or
what exists) as problem+json; 422 only for what the schemas refuse."""

from flask.views import MethodView

from core.toolkit import ApiBlueprint, current_account, db, has_permission, require_permission
from plugins.volunteers import schemas, services

api = ApiBlueprint(
    "volunteers_api",
    __name__,
    description="The municipality's common pool of volunteering: tasks, shifts, sign-ups and hours.",
)

COORDINATE = "volunteers.coordinate"
SIGN_UP = "volunteers.signup"
RULE = "A rule of the domain refuses it (e.g. the shift is full); `detail` says which, `code` names it."


def _coordinator() -> bool:
    return has_permission(COORDINATE)


def _shift_dict(sv: services.ShiftView) -> dict:
    s = sv.shift
    return {
        "id": s.id,
        "task_id": s.task_id,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "capacity": s.capacity,
        "taken": sv.taken,
        "places_left": sv.places_left,
    }


def _task_dict(view: services.TaskView) -> dict:
    t = view.task
    return {
        "id": t.id,
        "title": t.title,
        "description": t.description,
        "place": t.place,
        "skills": view.skills,
        "status": t.status,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "shifts": [_shift_dict(s) for s in view.shifts],
    }


@api.route("/tasks")
class Tasks(MethodView):
    @api.arguments(schemas.TaskQuerySchema, location="query")
    @api.response(200, schemas.TaskSchema(many=True))
    @api.paginate(page=1, page_size=50, max_page_size=200)
    def get(self, filters, pagination_parameters):
        """Published tasks (drafts and cancelled ones too for coordinators), soonest shift first,
        with their shifts still to come (all shifts with ``include_past``)."""
        views = services.list_tasks(
            q=filters.get("q"),
            skill=filters.get("skill"),
            starts_after=filters.get("starts_after"),
            open_only=filters.get("open_only", False),
            include_past=filters.get("include_past", False),
            include_unpublished=_coordinator(),
        )
        pagination_parameters.item_count = len(views)
        first = pagination_parameters.first_item
        return [_task_dict(v) for v in views[first : first + pagination_parameters.page_size]]

    @api.arguments(schemas.TaskSchema)
    @api.response(201, schemas.TaskSchema)
    @require_permission(COORDINATE)
    def post(self, data):
        """Create a task (coordinators). It is a draft unless ``status`` says ``published``."""
        task = services.save_task(None, account=current_account(), **data)
        answer = _task_dict(services.task_view(task))  # built before the commit: no reload after it
        db.session.commit()
        return answer


@api.route("/tasks/<uuid:task_id>")
class TaskItem(MethodView):
    @api.response(200, schemas.TaskSchema)
    def get(self, task_id):
        """One task with all its shifts."""
        return _task_dict(services.task_view(services.get_task(task_id, include_unpublished=_coordinator())))

    @api.arguments(schemas.TaskUpdateSchema)
    @api.response(200, schemas.TaskSchema)
    @require_permission(COORDINATE)
    def patch(self, data, task_id):
        """Change a task (coordinators): only the fields given. Cancelling a published task cancels
        the sign-ups to its shifts still to come and tells those volunteers."""
        task = services.get_task(task_id, include_unpublished=True)
        current = services.task_view(task)
        merged = {
            "title": task.title,
            "description": task.description,
            "place": task.place,
            "skills": current.skills,
            "status": task.status,
            **data,
        }
        services.save_task(task, account=current_account(), **merged)
        answer = _task_dict(services.task_view(task))
        db.session.commit()
        return answer


@api.route("/tasks/<uuid:task_id>/shifts")
class TaskShifts(MethodView):
    @api.arguments(schemas.ShiftSchema)
    @api.response(201, schemas.ShiftSchema)
    @require_permission(COORDINATE)
    def post(self, data, task_id):
        """Add a shift to a task (coordinators)."""
        task = services.get_task(task_id, include_unpublished=True)
        shift = services.save_shift(task, None, **data)
        answer = _shift_dict(services.ShiftView(shift, 0))
        db.session.commit()
        return answer


@api.route("/shifts/<uuid:shift_id>")
class ShiftItem(MethodView):
    @api.response(200, schemas.ShiftSchema)
    def get(self, shift_id):
        """One shift, with its places taken and left."""
        shift, _task = services.get_shift(shift_id, include_unpublished=_coordinator())
        return _shift_dict(services.ShiftView(shift, services.taken_counts([shift.id]).get(shift.id, 0)))

    @api.arguments(schemas.ShiftSchema)
    @api.response(200, schemas.ShiftSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(COORDINATE)
    def put(self, data, shift_id):
        """Change a shift's times and places (coordinators); never below the places taken."""
        shift, task = services.get_shift(shift_id, include_unpublished=True)
        services.save_shift(task, shift, **data)
        answer = _shift_dict(services.ShiftView(shift, services.taken_counts([shift.id]).get(shift.id, 0)))
        db.session.commit()
        return answer

    @api.response(204)
    @api.alt_response(409, description=RULE)
    @require_permission(COORDINATE)
    def delete(self, shift_id):
        """Remove a shift nobody holds a place on (coordinators)."""
        shift, _task = services.get_shift(shift_id, include_unpublished=True)
        services.delete_shift(shift)
        db.session.commit()


@api.route("/shifts/<uuid:shift_id>/signups")
class ShiftSignups(MethodView):
    @api.response(200, schemas.SignupSchema(many=True))
    @require_permission(COORDINATE)
    def get(self, shift_id):
        """Who signed up for a shift (coordinators)."""
        shift, _task = services.get_shift(shift_id, include_unpublished=True)
        return [services.signup_dict(r) for r in services.signups_of_shift(shift)]

    @api.arguments(schemas.SignupCreateSchema)
    @api.response(201, schemas.SignupSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(SIGN_UP)
    def post(self, data, shift_id):
        """Sign yourself up for a shift (members), optionally on behalf of an organisation you act
        for (403 otherwise). 409 when the shift is full, has started, or you hold a place already."""
        signup = services.sign_up(
            shift_id, current_account(), organisation_id=data["organisation_id"], note=data["note"]
        )
        answer = services.signup_dict(services.signup_row(signup))
        db.session.commit()
        return answer


@api.route("/signups/mine")
class MySignups(MethodView):
    @api.response(200, schemas.VolunteerHistorySchema)
    @require_permission(SIGN_UP)
    def get(self):
        """Your sign-ups in this municipality, latest shift first, and the hours recorded."""
        data = services.history(current_account())
        return {
            "total_hours": float(data["total_hours"]),
            "signups": [services.signup_dict(r) for r in data["rows"]],
        }


@api.route("/signups/<uuid:signup_id>")
class SignupItem(MethodView):
    @api.response(204)
    @api.alt_response(409, description=RULE)
    @require_permission(SIGN_UP)
    def delete(self, signup_id):
        """Cancel a sign-up: your own before the shift starts, or any (coordinators)."""
        signup, _shift, _task = services.get_signup(signup_id)
        account = current_account()
        services.cancel_signup(
            signup, account, coordinator=_coordinator() and signup.account_id != account.id
        )
        db.session.commit()


@api.route("/signups/<uuid:signup_id>/attendance")
class SignupAttendance(MethodView):
    @api.arguments(schemas.AttendanceSchema)
    @api.response(200, schemas.SignupSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(COORDINATE)
    def put(self, data, signup_id):
        """Record attendance (coordinators), once the shift has started: attended with ``hours``
        (the shift's length if left out), or not."""
        signup, _shift, _task = services.get_signup(signup_id)
        services.record_attendance(
            signup, attended=data["attended"], hours=data["hours"], coordinator=current_account()
        )
        answer = services.signup_dict(services.signup_row(signup))
        db.session.commit()
        return answer
