"""The admin: read-only logs, a dashboard, each user's two-factor status.

Nothing here can be edited: an editable challenge or phone would let an admin
forge a verification. Phone numbers are shown masked; hashes never.
"""

from .logs import ChallengeAdmin, SecurityEventAdmin
from .phones import PhoneAdmin
from .users import SMS2FAUserAdminMixin

__all__ = ["ChallengeAdmin", "PhoneAdmin", "SecurityEventAdmin", "SMS2FAUserAdminMixin"]
