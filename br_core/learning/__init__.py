"""The learning layer: predictions with measured intervals, patterns from the user's own history,
suggestions with their evidence, and the weekly digest."""
