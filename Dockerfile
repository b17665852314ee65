# One image for every service: api, workers, beat, flower, migrations.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY syndicate ./syndicate
COPY workers ./workers
COPY bench ./bench
COPY locales ./locales
COPY examples ./examples
COPY docs ./docs
RUN pip install -e . flower \
 && useradd --system --uid 10001 syndicate \
 && mkdir -p /data /export && chown syndicate /data /export
USER syndicate

EXPOSE 8000
ENTRYPOINT ["syndicate"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
