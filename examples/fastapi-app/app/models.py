"""The app's domain tables (SQLAlchemy 2). Migrations: migrations/versions (Alembic)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Json = JSONB()


class Base(DeclarativeBase):
    pass


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


def _updated() -> Mapped[datetime]:
    return mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )


#: A row whose work is a task follows it: queued/pending -> processing -> completed | failed | cancelled.
TASK_ROW_STATUSES = ("queued", "pending", "processing", "completed", "failed", "cancelled")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_email: Mapped[str] = mapped_column(Text, index=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    subtotal: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    tax: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    shipping: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    total: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    task_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class AnalyticsJob(Base):
    __tablename__ = "analytics_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    dataset_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    task_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False), index=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class ServiceRequest(Base):
    __tablename__ = "service_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text)
    request_type: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    result: Mapped[dict[str, Any] | None] = mapped_column(Json)
    task_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class ComplianceCheck(Base):
    __tablename__ = "compliance_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_ref: Mapped[str] = mapped_column(Text)
    namespace: Mapped[str] = mapped_column(Text, server_default="default")
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    #: The compliance task's uuid; task_uuids holds both, keyed by team (sales, compliance).
    task_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False), index=True)
    task_uuids: Mapped[dict[str, str]] = mapped_column(Json, server_default="{}")
    correlation_id: Mapped[str | None] = mapped_column(Text, index=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(Json, server_default="[]")
    destination: Mapped[dict[str, Any] | None] = mapped_column(Json)
    coupon_code: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("stock >= 0", name="products_stock_non_negative"),)
    sku: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    stock: Mapped[int] = mapped_column(Integer)
    weight_kg: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    restricted: Mapped[bool] = mapped_column(Boolean, server_default="false")
    updated_at: Mapped[datetime] = _updated()


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    email: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    tier: Mapped[str] = mapped_column(Text, server_default="standard")
    created_at: Mapped[datetime] = _created()


class Coupon(Base):
    __tablename__ = "coupons"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    percent_off: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")


class EmbargoedCountry(Base):
    __tablename__ = "embargoed_countries"
    country_code: Mapped[str] = mapped_column(Text, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[str] = mapped_column(Text, unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(Text, server_default="USD")
    status: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class StockMovement(Base):
    __tablename__ = "stock_movements"
    __table_args__ = (UniqueConstraint("order_id", "sku", "reason", name="stock_movements_order_sku_reason"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    quantity_delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class Invoice(Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_number: Mapped[str] = mapped_column(Text, unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    customer_email: Mapped[str] = mapped_column(Text)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    subtotal: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    tax: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    shipping: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    issued_at: Mapped[datetime] = _created()


class EmailOutbox(Base):
    __tablename__ = "email_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(Text, unique=True)
    #: What the message is about, e.g. order:42:confirmation; written once per key.
    dedupe_key: Mapped[str] = mapped_column(Text, unique=True)
    recipients: Mapped[list[str]] = mapped_column(Json)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AnalyticsDataset(Base):
    __tablename__ = "analytics_datasets"
    job_id: Mapped[int] = mapped_column(ForeignKey("analytics_jobs.id"), primary_key=True)
    origin: Mapped[str] = mapped_column(Text)
    columns: Mapped[list[str]] = mapped_column(Json)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    row_count: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = _created()


class AnalyticsReport(Base):
    __tablename__ = "analytics_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("analytics_jobs.id"), unique=True)
    title: Mapped[str] = mapped_column(Text)
    report: Mapped[dict[str, Any]] = mapped_column(Json)
    markdown: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class ReportArchive(Base):
    __tablename__ = "report_archive"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("analytics_jobs.id"), unique=True)
    report: Mapped[dict[str, Any]] = mapped_column(Json)
    markdown: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(Text)
    archived_at: Mapped[datetime] = _created()


class Quote(Base):
    __tablename__ = "quotes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quote_number: Mapped[str] = mapped_column(Text, unique=True)
    compliance_check_id: Mapped[int | None] = mapped_column(ForeignKey("compliance_checks.id"))
    order_ref: Mapped[str] = mapped_column(Text)
    #: The sales task that produced it: one quote per task, so retries cannot add a second.
    task_uuid: Mapped[str] = mapped_column(UUID(as_uuid=False), unique=True)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    subtotal: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    discount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    shipping: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(Text, server_default="USD")
    details: Mapped[dict[str, Any] | None] = mapped_column(Json)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()


class AuditLog(Base):
    __tablename__ = "audit_logs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: e.g. compliance_check:7:review; an audit entry is written once per key.
    dedupe_key: Mapped[str] = mapped_column(Text, unique=True)
    entity_type: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    task_uuid: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    step_name: Mapped[str | None] = mapped_column(String)
    details: Mapped[dict[str, Any]] = mapped_column(Json, server_default="{}")
    created_at: Mapped[datetime] = _created()
