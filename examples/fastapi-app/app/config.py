"""The app's settings, read once from the environment (a .env file beside the app is loaded
first when present). Defaults run the app on port 3000 against `tasker-ctl serve` on 8080."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

APP_ROOT = Path(__file__).resolve().parent.parent

#: Every namespace this app has handlers for (the hono-app's, with the `_py` suffix).
NAMESPACES = ("ecommerce_py", "data_pipeline_py", "microservices_py", "sales_py", "compliance_py")


def load_env_file(path: Path) -> None:
    """KEY=value lines (comments and blanks skipped); the real environment wins."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def _namespaces(raw: str | None) -> list[str]:
    chosen = [n.strip() for n in (raw or "").split(",") if n.strip()]
    unknown = [n for n in chosen if n not in NAMESPACES]
    if unknown:
        raise ValueError(
            f"TASKER_WORKER_NAMESPACES names {', '.join(unknown)}, which this app has no handlers for; "
            f"choose from {', '.join(NAMESPACES)}"
        )
    return chosen or list(NAMESPACES)


def sqlalchemy_url(url: str) -> str:
    """postgres://... -> postgresql+psycopg://... (SQLAlchemy's async psycopg 3 driver)."""
    for prefix in ("postgresql+psycopg://", "postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"APP_DATABASE_URL must be a postgres:// URL, got {url!r}")


@dataclass
class Settings:
    port: int = 3000
    host: str = "0.0.0.0"
    orchestration_url: str = "http://127.0.0.1:8080"
    tasker_api_key: str | None = None
    app_database_url: str = "postgres://postgres:postgres@127.0.0.1:5432/example_fastapi"
    template_path: Path = APP_ROOT / "templates"
    worker_namespaces: list[str] = field(default_factory=lambda: list(NAMESPACES))
    worker_enabled: bool = True
    worker_concurrency: int = 10
    services_base_url: str | None = None
    dataset_dir: Path = APP_ROOT / "datasets"
    migrate_on_start: bool = True
    log_level: str = "info"

    @property
    def internal_services_url(self) -> str:
        """Where the microservices workflow calls the user-profile / order-history services."""
        base = (self.services_base_url or f"http://127.0.0.1:{self.port}").rstrip("/")
        return base if base.count("/") > 2 else f"{base}/internal"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        port = int(e.get("PORT", "3000"))
        return cls(
            port=port,
            host=e.get("HOST", "0.0.0.0"),
            orchestration_url=e.get("ORCHESTRATION_URL", "http://127.0.0.1:8080").rstrip("/"),
            tasker_api_key=e.get("TASKER_API_KEY") or None,
            app_database_url=e.get("APP_DATABASE_URL", cls.app_database_url),
            template_path=Path(e.get("TASKER_TEMPLATE_PATH") or APP_ROOT / "templates"),
            worker_namespaces=_namespaces(e.get("TASKER_WORKER_NAMESPACES")),
            worker_enabled=e.get("WORKER_ENABLED", "true").lower() not in ("0", "false", "no"),
            worker_concurrency=int(e.get("WORKER_CONCURRENCY", "10")),
            services_base_url=e.get("SERVICES_BASE_URL") or None,
            dataset_dir=Path(e.get("DATASET_DIR") or APP_ROOT / "datasets").resolve(),
            migrate_on_start=e.get("MIGRATE_ON_START", "true").lower() not in ("0", "false", "no"),
            log_level=e.get("LOG_LEVEL", "info"),
        )
