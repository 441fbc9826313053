"""Errors written for people: what happened and what to do about it."""


class IroDeskError(Exception):
    """Base of every error IRO Desk shows to the IRO instead of a traceback."""


class CaseloadFileError(IroDeskError):
    """A caseload file cannot be opened: not ours, too new, damaged or missing."""


class DamagedCaseloadError(CaseloadFileError):
    """A caseload file is cut short or fails its integrity check: a backup may be restored."""


class ValidationError(IroDeskError):
    """Input that cannot be accepted; ``problems`` maps a field (or row) to a message."""

    def __init__(self, message: str, problems: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.problems: dict[str, str] = dict(problems or {})

    def __str__(self) -> str:
        base = super().__str__()
        if not self.problems:
            return base
        lines = [base] + [f"  {field}: {why}" for field, why in self.problems.items()]
        return "\n".join(lines)
