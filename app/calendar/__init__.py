"""Private iCalendar feed of a user's goals, tasks and habits."""
