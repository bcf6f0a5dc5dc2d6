"""One module per provider: its API facts, connection flow and capabilities."""
