"""The IRO's vocabulary: codes stored in the caseload and the labels shown for them.

Sources are in ../shared/DOMAIN.md (DfE SSDA903 codes for legal status and participation).
"""

from __future__ import annotations

# DfE SSDA903 legal status (LS) codes: store the code, show the label.
LEGAL_STATUS: dict[str, str] = {
    "C1": "Interim care order (s.38)",
    "C2": "Full care order (s.31)",
    "D1": "Freeing order granted",
    "E1": "Placement order granted (adoption)",
    "J1": "Remanded to local authority accommodation or youth detention",
    "J2": "Placed in local authority accommodation under PACE",
    "J3": "Sentenced to a youth rehabilitation order with residence requirement",
    "L1": "Under police protection and in local authority accommodation",
    "L2": "Emergency protection order",
    "L3": "Under a child assessment order and in local authority accommodation",
    "V2": "Single period of accommodation under s.20 (agreement with parents)",
    "V3": "Short breaks: individual episodes recorded",
    "V4": "Short breaks: the agreement recorded",
}
SHORT_BREAK_STATUSES = frozenset({"V3", "V4"})

# DfE SSDA903 REVIEW_CODE: the participation rows councils report.
PARTICIPATION: dict[str, str] = {
    "PN0": "Child was under 4 at the time of the review",
    "PN1": "Child attended and spoke for themselves",
    "PN2": "Child attended and an advocate spoke for them",
    "PN3": "Child attended and gave their views non-verbally",
    "PN4": "Child attended but did not contribute",
    "PN5": "Child did not attend; an advocate shared their views",
    "PN6": "Child did not attend; their views were sent (e.g. written, app, via carer)",
    "PN7": "Child did not attend and did not share views",
}

# The kinds of review an IRO chairs; each is a case track with its own statutory cycle.
TRACK_KINDS: dict[str, str] = {
    "cla": "Child in care review",
    "cp": "Child protection conference",
    "pathway": "Pathway plan review",
    "fostering": "Foster carer household review",
    "private_fostering": "Private fostering review",
    "secure": "Secure accommodation review",
}

# What the start date of each kind of track means.
TRACK_START_MEANING: dict[str, str] = {
    "cla": "Date the child became looked after",
    "cp": "Date of the (last) strategy discussion",
    "pathway": "Date the pathway plan started",
    "fostering": "Date the foster carers were approved",
    "private_fostering": "Date the arrangement was notified",
    "secure": "Date the secure placement started",
}

PLACEMENT_TYPES: dict[str, str] = {
    "foster_family": "Foster family (relative or friend)",
    "foster_la": "Foster carer (council)",
    "foster_ifa": "Foster carer (agency)",
    "childrens_home": "Children's home",
    "placed_with_parents": "Living with parents",
    "adoption": "Placed for adoption",
    "semi_independent": "Supported accommodation (16+)",
    "secure_unit": "Secure children's home",
    "residential_school": "Residential school",
    "unregistered": "Unregistered home",
    "other": "Other",
}

PERSON_ROLES: dict[str, str] = {
    "social_worker": "Social worker",
    "team_manager": "Team manager",
    "carer": "Carer",
    "advocate": "Advocate",
    "independent_visitor": "Independent visitor",
    "guardian": "Children's guardian (Cafcass)",
    "parent": "Parent",
    "virtual_school": "Virtual school",
    "health": "Health professional",
    "other": "Other",
}

GENDERS: dict[str, str] = {
    "female": "Female",
    "male": "Male",
    "other": "Other / prefers another term",
    "unknown": "Not recorded",
}

REVIEW_FORMATS: dict[str, str] = {
    "in_person": "In person",
    "online": "Online",
    "hybrid": "Hybrid",
}

REVIEW_STATUSES: dict[str, str] = {
    "booked": "Booked",
    "held": "Held",
    "stood_down": "Stood down",
    "cancelled": "Cancelled",
}

VISIT_METHODS: dict[str, str] = {
    "face_to_face": "Face to face",
    "video": "Video call",
    "phone": "Phone",
    "messaging": "Messaging",
}

VISIT_STATUSES: dict[str, str] = {
    "planned": "Planned",
    "done": "Done",
    "cancelled": "Cancelled",
}

DECISION_STATUSES: dict[str, str] = {
    "open": "Open",
    "done": "Done",
    "dropped": "No longer needed",
}

CHALLENGE_STATUSES: dict[str, str] = {
    "open": "Open",
    "resolved": "Resolved",
    "withdrawn": "Withdrawn",
}

QA_STATUSES: dict[str, str] = {
    "draft": "Draft",
    "shared": "Shared with social worker",
    "responded": "Response received",
    "closed": "Closed",
    "escalated": "Became a challenge",
}

PERMANENCE_STATUSES: dict[str, str] = {
    "not_yet": "Permanence plan not yet agreed",
    "agreed": "Permanence plan agreed",
    "achieved": "Permanence achieved",
}


def label(table: dict[str, str], code: str | None) -> str:
    """The label for a code, or the code itself when it is not in the table."""
    if code is None:
        return ""
    return table.get(code, code)


def code_for(table: dict[str, str], text: str) -> str | None:
    """The code whose code or label matches ``text`` (case and spacing ignored), else None."""
    wanted = " ".join(text.split()).casefold()
    for code, name in table.items():
        if wanted in (code.casefold(), name.casefold()):
            return code
    return None
