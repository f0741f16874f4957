"""Demo logins for a local server: `admin` (admin role) and `clerk` (user role)."""

import json
import secrets
from pathlib import Path

from django.conf import settings

from accounts import services
from accounts.models import Role, User
from accounts.roles import ADMIN, USER

DEMO_LOGINS = {"admin": ADMIN, "clerk": USER}
PASSWORDS_FILE = Path(settings.BASE_DIR) / ".demo-logins"


def demo_logins_ensure() -> dict[str, str]:
    """Create the demo users if missing and return `{username: password}`.

    Passwords are random, kept in the git-ignored `.demo-logins` file so that
    later runs can print them again; a user whose password is not on file gets
    a new one.
    """
    known = json.loads(PASSWORDS_FILE.read_text()) if PASSWORDS_FILE.exists() else {}
    for username, role_name in DEMO_LOGINS.items():
        role = Role.objects.get(name=role_name)
        user = User.objects.filter(username=username).first()
        password = known.get(username)
        on_file = bool(password) and user is not None and user.check_password(password)
        if not on_file:
            password = known[username] = secrets.token_urlsafe(12)
        if user is None:
            services.user_create(
                actor=services.SYSTEM, username=username, password=password, role=role
            )
        else:
            services.user_update(
                user=user,
                actor=services.SYSTEM,
                role=role,
                is_active=True,
                password=None if on_file else password,
            )
    PASSWORDS_FILE.write_text(json.dumps(known, indent=2))
    PASSWORDS_FILE.chmod(0o600)
    return {username: known[username] for username in DEMO_LOGINS}
