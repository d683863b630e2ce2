"""Workflow 2: data pipeline analytics (namespace data_pipeline_py, template analytics_pipeline)
ingest_data -> (validate_schema | enrich_metadata | detect_anomalies) -> aggregate_results ->
generate_report -> notify_stakeholders -> archive_results"""
