# The app image: migrations and the server run from the same image (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DIGIEDUHACK_ENV=production
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .
COPY alembic.ini ./
COPY alembic ./alembic
COPY templates ./templates
COPY static ./static
COPY seeds ./seeds
COPY locales ./locales
RUN useradd --system --uid 10001 app && mkdir -p /app/var && chown app /app/var
USER app
EXPOSE 8000
CMD ["uvicorn", "--factory", "digieduhack.app:create_app", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]
