"""Goal planner: boards shared with participants, categories, goals and comments."""
