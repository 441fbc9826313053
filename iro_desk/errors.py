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


class WorkCancelledError(IroDeskError):
    """The IRO stopped a long piece of work before it finished, so it made nothing.

    Long work that can be stopped takes a ``check`` callable and calls it between steps; the
    caller's ``check`` raises this error once the IRO has asked to stop.
    """

    def __init__(self, message: str = "Stopped: nothing was made.") -> None:
        super().__init__(message)
