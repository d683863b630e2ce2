# frozen_string_literal: true

# POST /analytics/jobs, GET /analytics/jobs/:id (workflow 2, data_pipeline_rb/analytics_pipeline).
class AnalyticsJobsController < ApplicationController
  include TaskBackedRows

  def create
    form = valid_form(AnalyticsJobForm) or return
    problem = form.dataset_url && DataPipeline::DatasetSource.url_problem(form.dataset_url,
                                                                          Rails.configuration.x.dataset_dir)
    if problem
      issue = { path: "dataset_url", message: "dataset_url #{problem}" }
      return render json: { error: "invalid request body", issues: [issue] }, status: :bad_request
    end

    job = AnalyticsJob.create!(source: form.source, dataset_url: form.dataset_url)
    create_task_backed_row(job, DataPipeline.task_request(job))
  end

  def show
    show_task_backed_row(AnalyticsJob, "analytics job")
  end
end
