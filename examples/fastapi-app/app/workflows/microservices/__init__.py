"""Workflow 3: microservices coordination (diamond), namespace microservices_py.
validate_request -> (fetch_user_profile | fetch_order_history) -> merge_results -> format_response"""
