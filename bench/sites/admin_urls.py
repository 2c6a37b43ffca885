from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("2fa/", include("django_sms2fa.urls")),
    path("admin/", admin.site.urls),
]
