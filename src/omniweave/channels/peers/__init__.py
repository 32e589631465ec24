"""Local stand-ins for the providers, speaking and checking their real protocols.

The demo sends through them instead of the internet, and the integration tests assert on what
they received. Addresses that start with ``dead`` (``dead@...``, ``deadbeef...`` tokens, chat
ids) behave as gone; SMS numbers ending in ``0000`` are accepted and then reported undeliverable.
"""
