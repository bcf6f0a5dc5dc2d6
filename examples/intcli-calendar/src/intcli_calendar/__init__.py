"""intcli-calendar: an example provider plugin for intcli (see the README's "Writing a provider")."""
