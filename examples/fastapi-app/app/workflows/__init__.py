"""The four workflows. Each folder has `routes.py` (an APIRouter, and optionally
`register_jobs(deps)`) and `handlers.py` (its step handlers, found by the worker's discovery);
its templates live in templates/<namespace>/."""

from __future__ import annotations

from types import ModuleType

from fastapi import APIRouter

from .data_pipeline import routes as data_pipeline_routes
from .ecommerce import routes as ecommerce_routes
from .microservices import routes as microservices_routes
from .team_scaling import routes as team_scaling_routes

#: (name, namespaces, routes module), in the order of the spec.
WORKFLOWS: list[tuple[str, list[str], ModuleType]] = [
    ("ecommerce", ["ecommerce_py"], ecommerce_routes),
    ("data-pipeline", ["data_pipeline_py"], data_pipeline_routes),
    ("microservices", ["microservices_py"], microservices_routes),
    ("team-scaling", ["sales_py", "compliance_py"], team_scaling_routes),
]


def routers() -> list[APIRouter]:
    return [module.router for _, _, module in WORKFLOWS]
