"""IRO Desk: an Independent Reviewing Officer's caseload, calendar, records and letters."""

__version__ = "0.1.0"
APP_NAME = "IRO Desk"
