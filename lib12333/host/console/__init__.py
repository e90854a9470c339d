"""
The centre console: web pages for back-office staff and technicians on the gateway's database.

    app            the Console object, login / logout, the Starlette application
    web            security headers, the permission + CSRF wrapper of every page, rendering helpers
    auth           roles, the permission table, argon2 password hashes, login throttling policy
    store          every SQL statement of the console (one back end: SQLite)
    schema         the console's own tables, versioned apart from the gateway's
    pages_*        requests desk, loss registry, kiosk fleet, service figures, accounts and audit

Served by ``lib12333 console``; guide in docs/console.md.
"""
