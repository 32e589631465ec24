"""The messaging tests' fixtures (the real peers, a container on a test clock), for the
abandoned-cart journey test."""

from tests.integration.messaging.conftest import clock, peers, timed, vapid  # noqa: F401
