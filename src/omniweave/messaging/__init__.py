"""Messages: the send decision, templates, the outbox and its workers, campaigns."""
