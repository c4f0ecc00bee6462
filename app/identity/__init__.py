"""People who sign in: their logins, one-time links, sessions and two-factor sign-in."""
