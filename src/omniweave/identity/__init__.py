"""Identity resolution: one person, however many identifiers and channels."""
