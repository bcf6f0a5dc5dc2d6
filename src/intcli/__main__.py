from intcli.cli import run

run()
