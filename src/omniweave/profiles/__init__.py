"""The unified profile: computed traits, consents and reachability per channel."""
