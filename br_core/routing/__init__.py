"""Model routing: task signals, decisions, what is learned from outcomes, the AI estimate."""
