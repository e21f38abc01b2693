"""`br dashboard`: the live page of a parallel build (app.py serves it, render.py draws it)."""
