"""A user model unlike Django's: a UUID primary key, the e-mail address as the
name users sign in with, and columns named other than their fields."""

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.db import models


class PersonManager(BaseUserManager):
    def create_user(self, email, password=None):
        user = self.model(email=self.normalize_email(email))
        user.set_password(password)
        user.save(using=self._db)
        return user


class Person(AbstractBaseUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, db_column="person_uuid")
    email = models.EmailField(unique=True, db_column="mail_address")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)

    objects = PersonManager()

    USERNAME_FIELD = "email"
