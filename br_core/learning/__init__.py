"""The learning layer: predictions with measured intervals (predict.py, conformal.py)."""
