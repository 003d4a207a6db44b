"""The working-day calendar (DESIGN.md rule 4): schedules per region and year, and working-day arithmetic."""
