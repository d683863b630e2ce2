# frozen_string_literal: true

# POST /services/requests, GET /services/requests/:id (workflow 3, microservices_rb/user_request).
class ServiceRequestsController < ApplicationController
  include TaskBackedRows

  def create
    form = valid_form(ServiceRequestForm) or return
    row = ServiceRequest.create!(user_id: form.user_id, request_type: form.request_type)
    create_task_backed_row(row, Microservices.task_request(row))
  end

  def show
    show_task_backed_row(ServiceRequest, "service request")
  end
end
