"""Views of django-sms2fa: the login's second step, step-up, and the account pages."""

from .account import (
    DisableView,
    PhoneAddView,
    PhoneConfirmView,
    ReauthView,
    RecoveryCodesView,
    SetupView,
)
from .login import CancelView, LoginEnrollView, RecoveryLoginView, ResendView, VerifyView
from .recovery_pages import NewRecoveryCodesView, RecoveryUsedView
from .step_up import StepUpView

__all__ = [
    "CancelView", "DisableView", "LoginEnrollView", "NewRecoveryCodesView", "PhoneAddView",
    "PhoneConfirmView", "ReauthView", "RecoveryCodesView", "RecoveryLoginView", "RecoveryUsedView",
    "ResendView", "SetupView", "StepUpView", "VerifyView",
]
