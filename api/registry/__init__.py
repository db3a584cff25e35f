"""The population registry (Dukcapil) gateway: identity and family-card checks, stored as facts."""
