"""The logic of accounts, one module per concern (sign-up, sign-in, sessions, passwords,
TOTP, hand-off, memberships, organisations, the dashboard, tokens). Views and the API call
these; they never call the views.
"""
