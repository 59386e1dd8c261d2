"""The server tests' notebooks are served, not run by nbval (they fail on purpose)."""

collect_ignore_glob = ["fixtures/*"]
