"""The working-day calendar (docs/rules.md rule 4): schedules per region and year, and working-day arithmetic."""
