from django.urls import include, path
from two_factor.urls import urlpatterns as tf_urls

from .views import home

urlpatterns = [
    path("", include(tf_urls)),
    path("home/", home, name="home"),
]
