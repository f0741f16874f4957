import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from conftest import ON_MARIADB
from customers import selectors, services
from customers.models import EMAIL_TAKEN, Customer
from customers.services import customer_create, customer_delete, customer_update
from customers.tests.factories import customer_rows, make_customer

pytestmark = pytest.mark.django_db


def test_customer_create_saves_every_field():
    customer = customer_create(
        name="Acme Ltd", email="Buyer@Acme.example", phone="+44 20 7946 0000", address="1 Dock St"
    )
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.phone, customer.address) == (
        "Acme Ltd",
        "Buyer@Acme.example",
        "+44 20 7946 0000",
        "1 Dock St",
    )
    assert customer.created_at is not None


def test_customer_create_phone_and_address_are_optional():
    customer = customer_create(name="Walk-in", email="walkin@example.com")
    assert (customer.phone, customer.address) == ("", "")


def test_customer_create_email_taken_in_another_case_is_refused():
    make_customer(email="sales@acme.example")
    before = customer_rows()
    with pytest.raises(ValidationError) as caught:
        customer_create(name="Acme again", email="SALES@Acme.Example")
    assert caught.value.message_dict == {"email": [EMAIL_TAKEN]}
    assert customer_rows() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "N" * 101}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"phone": "1" * 21}, "phone"),
        ({"address": "A" * 1001}, "address"),
    ],
)
def test_customer_create_invalid_field_is_refused(fields, field):
    with pytest.raises(ValidationError) as caught:
        customer_create(**{"name": "Valid", "email": "valid@example.com", **fields})
    assert field in caught.value.message_dict
    assert Customer.objects.count() == 0


def test_customer_create_unicode_is_stored_as_given():
    customer = customer_create(name="Zürich Gießerei 工厂 🏭", email="info@zuerich.example")
    customer.refresh_from_db()
    assert customer.name == "Zürich Gießerei 工厂 🏭"


def test_customer_create_email_race_lost_at_the_constraint_is_the_same_field_error(monkeypatch):
    """Two requests check the same email before either inserts: the unique constraint decides."""
    make_customer(email="race@example.com")
    real_check = selectors.customer_email_taken
    calls = []

    def check_that_misses_the_first_time(**kwargs):
        calls.append(kwargs)
        return False if len(calls) == 1 else real_check(**kwargs)

    monkeypatch.setattr(selectors, "customer_email_taken", check_that_misses_the_first_time)
    with pytest.raises(ValidationError) as caught:
        customer_create(name="Second", email="race@example.com")
    assert caught.value.message_dict == {"email": [EMAIL_TAKEN]}
    assert len(calls) == 2
    assert Customer.objects.count() == 1


def test_customer_update_changes_only_the_given_fields():
    customer = make_customer(name="Old", phone="111")
    # Another request changes the phone after this one loaded the customer.
    Customer.objects.filter(pk=customer.pk).update(phone="222")
    customer_update(customer=customer, name="New")
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("New", "222")


def test_customer_update_may_change_the_letter_case_of_its_own_email():
    customer = make_customer(email="ann@example.com")
    customer_update(customer=customer, email="Ann@Example.com")
    customer.refresh_from_db()
    assert customer.email == "Ann@Example.com"


def test_customer_update_to_an_email_taken_in_another_case_changes_nothing():
    make_customer(email="taken@example.com")
    customer = make_customer(name="Keep")
    before = customer_rows()
    with pytest.raises(ValidationError) as caught:
        customer_update(customer=customer, name="Changed", email="TAKEN@example.com")
    assert "email" in caught.value.message_dict
    assert customer_rows() == before


def test_customer_update_with_nothing_writes_nothing():
    customer = make_customer()
    before = customer_rows()
    with CaptureQueriesContext(connection) as queries:
        customer_update(customer=customer)
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert customer_rows() == before


def test_customer_update_unknown_field_is_a_programming_error():
    customer = make_customer()
    with pytest.raises(TypeError, match="created_at"):
        customer_update(customer=customer, created_at=None)


def test_customer_delete_removes_the_customer():
    customer = make_customer()
    customer_delete(customer=customer)
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_customer_delete_goes_through_instance_delete(monkeypatch):
    """The 409-on-PROTECT helper is the delete path (the Order FK will be PROTECT)."""
    customer = make_customer(name="Acme")
    seen = []
    real = services.instance_delete

    def spy(instance, *, in_use_message):
        seen.append((instance, in_use_message))
        return real(instance, in_use_message=in_use_message)

    monkeypatch.setattr(services, "instance_delete", spy)
    customer_delete(customer=customer)
    assert seen == [(customer, "Customer 'Acme' has orders and cannot be deleted.")]
    assert Customer.objects.count() == 0


def test_customer_email_unique_constraint_refuses_an_exact_duplicate():
    make_customer(email="dup@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(name="Bypass", email="dup@example.com")


def test_customer_email_check_constraint_refuses_blank():
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(name="No email", email="")


@pytest.mark.mariadb
def test_customer_email_unique_constraint_ignores_case_on_mariadb():
    """On MariaDB the utf8mb4 `_ci` collation makes the constraint itself case-insensitive."""
    assert ON_MARIADB
    make_customer(email="case@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(name="Bypass", email="CASE@example.com")


@pytest.mark.mariadb
def test_customer_four_byte_unicode_round_trips_on_mariadb():
    customer = customer_create(name="🏭 Fabrik 😀 𠜎", email="utf8mb4@example.com")
    assert Customer.objects.get(pk=customer.pk).name == "🏭 Fabrik 😀 𠜎"
