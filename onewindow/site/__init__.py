"""The composition root's own app: the commands that span every app (`load-sample`, `bench`)."""
