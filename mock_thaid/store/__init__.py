"""Persistence: SQLAlchemy models and one repository per aggregate."""
