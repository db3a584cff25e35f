"""Signing in with the national identity provider (INApas-style), as an OpenID Connect relying party."""
