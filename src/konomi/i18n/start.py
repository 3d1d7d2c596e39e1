"""Messages of a person's first steps: the version, `round --dry-run`, out-of-range values on
the command line, Ray's quieter start, and what `explain`'s figures mean."""

MESSAGES: dict[str, dict[str, str]] = {
    "cli.help.option.version": {
        "en": "Show konomi's version and exit.",
        "ja": "konomi のバージョンを表示して終了します。",
    },
    "cli.usage.choose": {
        "en": "'{value}' is not one of {choices}.",
        "ja": "'{value}' は使えません。{choices} のいずれかを指定してください。",
    },
}
