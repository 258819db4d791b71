"""Celery worker package: `celery -A worker worker` finds the app in worker/celery.py."""
