"""HTTP: FastAPI routers that translate requests into calls of the capability packages."""
