"""Workflow 1: e-commerce order processing (namespace ecommerce_py, template order_processing 1.0.0)
validate_inventory -> process_payment -> update_inventory -> send_confirmation -> generate_invoice"""
