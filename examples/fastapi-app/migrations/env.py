"""Alembic environment: migrates APP_DATABASE_URL (or the URL the app passes in)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from app.config import Settings, sqlalchemy_url
from app.models import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    given = config.attributes.get("database_url") or Settings.from_env().app_database_url
    return sqlalchemy_url(str(given))


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
