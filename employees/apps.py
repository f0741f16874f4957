from django.apps import AppConfig

# The cache namespace of employee rows (factory.cache): bumped by every committed write.
EMPLOYEES_CACHE = "employees"


class EmployeesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "employees"

    def ready(self):
        from employees.models import Employee
        from factory.cache import invalidate_on_writes

        invalidate_on_writes(EMPLOYEES_CACHE, Employee)
