FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////app/data/backstep.db

WORKDIR /app

RUN groupadd --system --gid 10001 backstep \
    && useradd --system --uid 10001 --gid 10001 --no-create-home backstep

COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY app ./app
COPY engine ./engine
COPY templates ./templates
COPY static ./static

# The SQLite database lives on a volume the non-root user can write.
RUN mkdir -p /app/data && chown 10001:10001 /app/data
VOLUME ["/app/data"]

USER 10001:10001
EXPOSE 8000

# The slim image has no curl; the standard library can make the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=4)"]

CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
