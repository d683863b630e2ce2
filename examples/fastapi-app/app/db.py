"""The app database: an async SQLAlchemy engine and session factory, and Alembic migrations."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from .config import APP_ROOT, sqlalchemy_url


def open_database(url: str, *, pool_size: int = 10) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(
        sqlalchemy_url(url), pool_size=pool_size, max_overflow=10, pool_pre_ping=True
    )
    return engine, async_sessionmaker(engine, expire_on_commit=False)


def migrate_sync(url: str) -> None:
    """``alembic upgrade head`` on ``url`` (the app's migrations/)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(Path(APP_ROOT) / "alembic.ini"))
    config.set_main_option("script_location", str(Path(APP_ROOT) / "migrations"))
    config.attributes["database_url"] = url
    command.upgrade(config, "head")


async def migrate(url: str) -> None:
    await asyncio.to_thread(migrate_sync, url)
