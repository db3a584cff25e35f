"""Admin mode's routes that need more than one domain: orchestration only, no tables of its own.

The catalogue sits at the bottom of the domain graph (everyone imports it), so a route that shows a standard with
its author's name (accounts) and how many applications refer to it (applications) cannot live in the catalogue
without a cycle; it lives here, at the top, like ``api/identity``.
"""
