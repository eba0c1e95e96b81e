"""Celery workers and beat on Redis (with ``REDIS_URL``): the tasks, what sends them, the
sweeper that sends again what was lost, the beat schedule and the shared Admin API throttle."""
