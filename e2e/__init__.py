"""End-to-end checks against the live server: Schemathesis, the browser, security (docs/hardening.md)."""
