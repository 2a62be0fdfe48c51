from promptcop.cli import entry

entry()
