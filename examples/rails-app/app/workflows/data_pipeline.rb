# frozen_string_literal: true

# Workflow 2: data pipeline analytics (namespace data_pipeline_rb, template analytics_pipeline)
# ingest_data -> (validate_schema | enrich_metadata | detect_anomalies) -> aggregate_results ->
# generate_report -> notify_stakeholders -> archive_results
module DataPipeline
  NAMESPACE = "data_pipeline_rb"
  NAMESPACES = [NAMESPACE].freeze
  TEMPLATE = { namespace: NAMESPACE, name: "analytics_pipeline", version: "1.0.0" }.freeze

  def self.handler_classes
    [Handlers::IngestData, Handlers::ValidateSchema, Handlers::EnrichMetadata, Handlers::DetectAnomalies,
     Handlers::AggregateResults, Handlers::GenerateReport, Handlers::NotifyStakeholders, Handlers::ArchiveResults]
  end

  def self.task_request(job)
    TEMPLATE.merge(
      context: { "job_id" => job.id, "source" => job.source, "dataset_url" => job.dataset_url },
      source_system: "rails-app", reason: "analytics job ##{job.id} (#{job.source})",
      tags: ["analytics", "analytics_job:#{job.id}"]
    )
  end
end
