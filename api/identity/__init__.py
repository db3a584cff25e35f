"""Identity: proving who is behind an account (registry match, counter check) and reviewing parental mandates.

Orchestration above ``accounts`` (which owns the proofs and mandates), ``registry`` (which asks Dukcapil) and
``applications`` (an application number finds its applicant at the counter); nothing imports it but the app.
"""
