"""OneWindow (一窗通): the government-service hall of a district, in one Django project."""

__version__ = "0.1.0"
