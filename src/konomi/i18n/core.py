"""Messages shared by every command: errors, interruptions, the workspace."""

MESSAGES: dict[str, dict[str, str]] = {
    "error.prefix": {"en": "error:", "ja": "エラー:"},
    "warning.prefix": {"en": "warning:", "ja": "警告:"},
}
