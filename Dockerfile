FROM python:3.11-slim

# MPLCONFIGDIR: matplotlib (report charts) needs a writable cache folder.
# MALLOC_ARENA_MAX: glibc gives each thread of a gthread worker a malloc arena of its own, and
# each keeps the peak of the requests it served (the 200-patient caseload most); two arenas keep a
# worker near its working set (bench/README.md, memory). glibc reads it when a process starts, so
# it is set here, not in gunicorn.conf.py.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 TELEHEALTH_ENV=production MPLCONFIGDIR=/tmp/matplotlib \
    MALLOC_ARENA_MAX=2
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY config.py wsgi.py gunicorn.conf.py ./
COPY telehealth ./telehealth
COPY worker ./worker
COPY migrations ./migrations

RUN useradd --create-home --uid 10001 telehealth && mkdir -p /app/instance && chown telehealth /app/instance
USER telehealth
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", "--threads", "8", "wsgi:app"]
