"""konomi: learn how much one person likes an image."""

__version__ = "0.1.0"

# How a person runs konomi from a checkout; every hint that names a command uses it (the
# catalog's `{cmd}` field), so it is said one way everywhere. Installed as a tool
# (`uv tool install .`), konomi is run as plain `konomi`: KONOMI_COMMAND says so.
COMMAND = "uv run konomi"
