"""The personal data the hearings plugin holds (hook ``sympraxis_personal_data_declarations``).

The retention keys name the plugin's retention rules (``plugins/hearings/privacy.py``): the
periods a municipality sets in ``/admin/privacy``, which the purge applies and the notice shows.
"""

from __future__ import annotations

from core.toolkit import LegalBasis, PersonalDataDeclaration, SpecialCategoryCondition
from core.toolkit import lazy_gettext as _l


def declarations() -> list[PersonalDataDeclaration]:
    return [
        PersonalDataDeclaration(
            kind="hearings.comments",
            title=_l("Comments on public consultations"),
            categories=(
                _l("name as given"),
                _l("organisation represented, if any"),
                _l("the comment and the article it is about"),
                _l("the municipality's answer to it"),
            ),
            data_subjects=(_l("people and organisations who comment on a consultation"),),
            purpose=_l(
                "To hold the public consultation the law requires, keep its register of recommendations "
                "and publish the reasoned answers to them."
            ),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=_l(
                "Kept with the record of the consultation, as the law on public consultation requires; "
                "the author's name is removed if they delete their account."
            ),
            recipients=(_l("the public: comments and answers are published on the consultation"),),
        ),
        PersonalDataDeclaration(
            kind="hearings.paper_recommendations",
            title=_l("Recommendations received on paper, by e-mail or at the registry"),
            categories=(
                _l("sender's name and organisation, if any"),
                _l("sender's contact for the answer (never published)"),
                _l("the recommendation, the article it is about and the scan of the original"),
                _l("the municipality's answer to it"),
            ),
            data_subjects=(_l("people and organisations who send a recommendation outside the platform"),),
            purpose=_l(
                "To number every recommendation in the consultation's register, as the law on public "
                "consultation requires, answer it and report on it like the comments made online."
            ),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=_l(
                "Kept with the record of the consultation; the contact is used only to send the answer."
            ),
            recipients=(
                _l("the public: the name, the text and the answer are published in the register"),
                _l("the staff who keep the register (the contact and the scan)"),
            ),
        ),
        PersonalDataDeclaration(
            kind="hearings.registrations",
            title=_l("Registrations for hearings and workshops"),
            categories=(
                _l("name"),
                _l("e-mail address"),
                _l("organisation, if any"),
                _l("sessions chosen, confirmation and attendance"),
            ),
            data_subjects=(_l("people who register for a meeting"),),
            purpose=_l("To allocate seats, send the agenda and reminders, and check attendance."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_days=365,
            retention_setting="hearings.registrations",
            retention_note=_l(
                "Counted from the day of the meeting; the attendance figures stay, without the person."
            ),
            recipients=(_l("the meeting's organisers at the municipality"),),
        ),
        PersonalDataDeclaration(
            kind="hearings.guest_registrations",
            title=_l("Registrations of guests without an account"),
            categories=(_l("name"), _l("e-mail address"), _l("organisation, if any"), _l("sessions chosen")),
            data_subjects=(_l("people who register for a meeting with an e-mail address only"),),
            purpose=_l("To confirm the registration by e-mail, allocate seats and send the agenda."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_days=90,
            retention_setting="hearings.guests",
            retention_note=_l(
                "Counted from the day of the meeting; a registration never confirmed is deleted that "
                "long after it was made."
            ),
            recipients=(_l("the meeting's organisers at the municipality"),),
        ),
        PersonalDataDeclaration(
            kind="hearings.accessibility_needs",
            title=_l("Accessibility needs for a meeting"),
            categories=(_l("accessibility needs stated at registration (may reveal a disability)"),),
            data_subjects=(_l("people who register for a meeting and state a need"),),
            purpose=_l("To arrange the access, interpretation or assistance the person asked for."),
            legal_basis=LegalBasis.CONSENT,
            special_category=SpecialCategoryCondition.EXPLICIT_CONSENT,
            retention_days=30,
            retention_setting="hearings.accessibility",
            retention_note=_l("Counted from the day of the meeting."),
            recipients=(_l("only the staff who organise that meeting"),),
        ),
        PersonalDataDeclaration(
            kind="hearings.speakers",
            title=_l("Requests to speak at a hearing"),
            categories=(_l("name"), _l("organisation, if any"), _l("topic")),
            data_subjects=(_l("people who ask to speak"),),
            purpose=_l("To draw up and run the list of speakers and record it in the minutes."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=_l("Kept with the minutes of the meeting."),
            recipients=(_l("the public, through the published minutes"),),
        ),
        PersonalDataDeclaration(
            kind="hearings.feedback",
            title=_l("Feedback after a meeting"),
            categories=(_l("ratings and comments, linked to the registration"),),
            data_subjects=(_l("people who attended a meeting"),),
            purpose=_l("To learn how meetings can be improved; results are published only as totals."),
            legal_basis=LegalBasis.CONSENT,
            retention_days=730,
            retention_setting="hearings.feedback",
            retention_note=_l(
                "Counted from the day of the meeting; the ratings stay afterwards, without the text."
            ),
        ),
        PersonalDataDeclaration(
            kind="hearings.follows",
            title=_l("Following consultations"),
            categories=(_l("account or organisation that follows"),),
            data_subjects=(_l("people and organisations who ask to be told of new consultations"),),
            purpose=_l("To mail the follower when a consultation opens and before it closes."),
            legal_basis=LegalBasis.CONSENT,
            retention_days=730,
            retention_setting="hearings.follows",
            retention_note=_l(
                "Until the follower stops following or deletes the account, and at most that long after "
                "following (following again renews it)."
            ),
        ),
    ]
