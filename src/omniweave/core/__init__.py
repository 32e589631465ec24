"""Domain types shared by every capability: time, ids, errors. Imports nothing of ours."""
