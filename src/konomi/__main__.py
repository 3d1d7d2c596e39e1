"""`python -m konomi` — the same as the `konomi` command."""

from konomi.cli.main import main

main()
