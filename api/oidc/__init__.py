"""MPP Digital as an OpenID Connect provider: agency and regional systems sign citizens in with their MPP account.

See docs/ARCHITECTURE.md (domain ``oidc``) and README "Single sign-on".
"""
