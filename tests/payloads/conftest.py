from tests.payloads.validation import every_payload_is_valid  # noqa: F401  (autouse)
