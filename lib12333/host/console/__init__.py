"""
The centre console: web pages for back-office staff and technicians on the gateway's database.

    app            the Console object, login / logout, the Starlette application
    web            security headers, the permission + CSRF wrapper of every page, rendering helpers
    auth           roles, the permission table, argon2 password hashes, login throttling policy
    store          every SQL statement of the console, run on SQLite or PostgreSQL (its tables are
                   migration 5 of the gateway's, lib12333.host.gateway.db)
    pages_*        requests desk, loss registry, kiosk fleet, service figures, accounts and audit

Served by ``lib12333 console``; guide in docs/console.md.
"""
