"""Account-takeover paths (issue 10): hand-off targets, secrets, tokens, sessions, redirects."""
