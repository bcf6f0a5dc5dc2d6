"""The built-in providers, one package each; they load through the `intcli.providers` entry points, as plugins do."""
