from promptcop.cli import main

main()
