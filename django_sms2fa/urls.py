from django.urls import path

from . import views

app_name = "sms2fa"

urlpatterns = [
    # The second step of a login.
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("resend/", views.ResendView.as_view(), name="resend"),
    path("cancel/", views.CancelView.as_view(), name="cancel"),
    path("recovery/", views.RecoveryLoginView.as_view(), name="recovery"),
    path("enroll/", views.LoginEnrollView.as_view(), name="login_enroll"),
    # A fresh code before a high-risk action.
    path("step-up/", views.StepUpView.as_view(), name="step_up"),
    # The signed-in user's own settings.
    path("setup/", views.SetupView.as_view(), name="setup"),
    path("setup/phone/", views.PhoneAddView.as_view(), name="phone_add"),
    path("setup/phone/confirm/", views.PhoneConfirmView.as_view(), name="phone_confirm"),
    path("setup/disable/", views.DisableView.as_view(), name="disable"),
    path("setup/recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
]
