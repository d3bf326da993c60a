"""`make run`'s demo data: the staff password is made once, kept in var/admin-password and printed each run."""

import io
import re
import stat

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def load_demo_data(*arguments: str) -> str:
    """Runs the command; returns the password it printed."""
    output = io.StringIO()
    call_command("load_demo_data", *arguments, stdout=output)
    return re.search(r"user 'admin'\s+password '([^']+)'", output.getvalue()).group(1)


def test_the_first_run_keeps_the_password_readable_by_its_owner_only(var_dir):
    password = load_demo_data()

    password_file = var_dir / "admin-password"
    assert password_file.read_text().strip() == password
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert authenticate(username="admin", password=password) is not None


def test_a_second_run_prints_and_keeps_the_same_password(var_dir):
    first = load_demo_data()

    second = load_demo_data()

    assert second == first
    assert authenticate(username="admin", password=first) is not None


def test_a_password_staff_changed_in_admin_is_not_reset(var_dir, django_user_model):
    load_demo_data()
    staff = django_user_model.objects.get(username="admin")
    staff.set_password("changed-in-admin-by-staff")
    staff.save()

    load_demo_data()

    assert authenticate(username="admin", password="changed-in-admin-by-staff") is not None


def test_a_fresh_database_beside_an_old_var_folder_gets_the_kept_password(var_dir, django_user_model):
    kept = load_demo_data()
    django_user_model.objects.filter(username="admin").delete()

    assert load_demo_data() == kept
    assert authenticate(username="admin", password=kept) is not None


def test_an_explicit_password_replaces_the_kept_one(var_dir):
    load_demo_data()

    assert load_demo_data("--password", "a-chosen-long-password") == "a-chosen-long-password"
    assert load_demo_data() == "a-chosen-long-password"
    assert stat.S_IMODE((var_dir / "admin-password").stat().st_mode) == 0o600
