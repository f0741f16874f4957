from rest_framework.routers import SimpleRouter

from employees.views import EmployeeViewSet

router = SimpleRouter()
router.register("employees", EmployeeViewSet)

urlpatterns = router.urls
