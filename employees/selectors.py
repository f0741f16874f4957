from django.db.models import QuerySet

from employees.models import Employee


def employee_list() -> QuerySet[Employee]:
    """Every employee, by name. One query per page: an employee has no relations to load."""
    return Employee.objects.all()


def employee_email_taken(*, email: str, exclude_pk: int | None = None) -> bool:
    """Whether another employee already has this email, ignoring letter case."""
    employees = Employee.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        employees = employees.exclude(pk=exclude_pk)
    return employees.exists()
