"""Team task manager: teams, task lists and tasks."""
