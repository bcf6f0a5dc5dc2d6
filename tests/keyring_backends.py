"""Keyring backends that misbehave on purpose, loaded by name through PYTHON_KEYRING_BACKEND."""

import time

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked


class HangingKeyring(KeyringBackend):
    priority = 1
    reads = 0  # how often a secret was asked for

    def get_password(self, service, username):
        HangingKeyring.reads += 1
        time.sleep(30)

    def set_password(self, service, username, password):
        time.sleep(30)

    def delete_password(self, service, username):
        time.sleep(30)


class LockedKeyring(KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        raise KeyringLocked("locked")

    def set_password(self, service, username, password):
        raise KeyringLocked("locked")

    def delete_password(self, service, username):
        raise KeyringLocked("locked")
