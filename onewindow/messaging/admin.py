"""No admin pages: the outbox holds applicants' phones and is the supervisor's page (messaging.views)."""
