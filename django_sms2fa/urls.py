from django.db import transaction
from django.urls import path

from . import views
from .api.urls import urlpatterns as api_urlpatterns

app_name = "sms2fa"

# Every view here counts attempts and sends in short transactions of its own;
# ATOMIC_REQUESTS would stretch them over the whole request (argon2 included).
_own = transaction.non_atomic_requests

urlpatterns = [
    # The second step of a login.
    path("verify/", _own(views.VerifyView.as_view()), name="verify"),
    path("resend/", _own(views.ResendView.as_view()), name="resend"),
    path("cancel/", views.CancelView.as_view(), name="cancel"),
    path("recovery/", _own(views.RecoveryLoginView.as_view()), name="recovery"),
    path("recovery/used/", views.RecoveryUsedView.as_view(), name="recovery_used"),
    path("enroll/", _own(views.LoginEnrollView.as_view()), name="login_enroll"),
    # A fresh code before a high-risk action.
    path("step-up/", _own(views.StepUpView.as_view()), name="step_up"),
    # The signed-in user's own settings.
    path("setup/", views.SetupView.as_view(), name="setup"),
    path("setup/password/", _own(views.ReauthView.as_view()), name="reauth"),
    path("setup/phone/", _own(views.PhoneAddView.as_view()), name="phone_add"),
    path("setup/phone/confirm/", _own(views.PhoneConfirmView.as_view()), name="phone_confirm"),
    path("setup/disable/", _own(views.DisableView.as_view()), name="disable"),
    path("setup/recovery-codes/", _own(views.RecoveryCodesView.as_view()), name="recovery_codes"),
    path("setup/recovery-codes/new/", views.NewRecoveryCodesView.as_view(),
         name="recovery_codes_new"),
]

# The JSON API for single-page and mobile apps (docs/headless.md).
urlpatterns += api_urlpatterns
