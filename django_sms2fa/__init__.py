"""SMS one-time-code two-factor authentication for every Django login."""

__version__ = "0.1.0"
