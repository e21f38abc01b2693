"""The learning layer: predictions with measured intervals (predict.py, conformal.py), patterns
from the user's own history (patterns.py), suggestions with their evidence (suggestions.py) and
the weekly digest (digest.py)."""
