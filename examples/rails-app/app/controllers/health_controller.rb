# frozen_string_literal: true

# GET /health: the app database, the orchestration server and this process's worker.
class HealthController < ApplicationController
  def show
    app_database = begin
      ActiveRecord::Base.connection.select_value("select 1") == 1
    rescue StandardError
      false
    end
    engine = engine_health
    healthy = app_database && engine[:reachable]
    render json: {
      status: healthy ? "ok" : "degraded", app_database: app_database, engine: engine, worker: worker,
      jobs: ActiveJob::Base.queue_adapter_name,
      workflows: Orchestration::WORKFLOWS.map { |name, mod| { name: name, namespaces: mod.constantize::NAMESPACES } }
    }, status: healthy ? :ok : :service_unavailable
  end

  private

  def engine_health
    ready = Orchestration.client.health
    { reachable: true, url: Orchestration.client.url, status: ready&.fetch("status", nil) }
  rescue TaskerSdk::Error => e
    { reachable: false, url: Orchestration.client.url, error: e.message }
  end

  def worker
    status = Orchestration.worker_status
    return { running: false } unless status

    status.to_h.slice(:worker_id, :running, :namespaces, :in_flight, :completed, :failed)
  end
end
