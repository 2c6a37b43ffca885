"""Benchmarks for django-sms2fa (not part of the installed package)."""
