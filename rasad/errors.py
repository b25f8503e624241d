"""The project's exception tree: one root, a few kinds a caller can act on."""


class RasadError(Exception):
    """Root of every error Rasad raises on purpose."""


class ConfigError(RasadError):
    """A setting is missing, malformed or points at something that is not there."""


class BadInput(RasadError):
    """An input (file, message, request, query) cannot be turned into what was asked.

    ``reason`` is a short machine-friendly code for dead-letter records; the message
    is for people.
    """

    def __init__(self, message: str, reason: str = "bad_input"):
        super().__init__(message)
        self.reason = reason


class BusError(RasadError):
    """The message bus refused or failed to deliver."""


class StoreError(RasadError):
    """The search store refused or failed a request."""


class StackError(RasadError):
    """The local stack (Kafka, the search engines) could not be set up, started or stopped."""


class Unauthenticated(RasadError):
    """A request needs a login (a session cookie) or a bearer token
    and has neither, or a bad one.
    """


class Forbidden(RasadError):
    """A request is authenticated but may not do this (a cross-site form, a missing CSRF token)."""
