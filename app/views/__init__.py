"""Pure functions that turn engine values and traces into what the page templates show."""
