# frozen_string_literal: true

# JSON for every answer, errors included: `{error: "..."}` plus details, never an HTML page.
class ApplicationController < ActionController::API
  MAX_SERIAL = 2_147_483_647

  # A JSON body that is not an object (an array, a number).
  class NotAnObject < StandardError; end

  rescue_from StandardError, with: :internal_error
  rescue_from ActionDispatch::Http::Parameters::ParseError, with: :malformed_json
  rescue_from(NotAnObject) { |error| malformed_json(error) }

  # The catch-all route (config/routes.rb).
  def route_not_found
    render json: { error: "no route for #{request.request_method} #{request.path}; " \
                          "see GET /health and the README for the routes" }, status: :not_found
  end

  private

  # The request's JSON body (not the path or query), as parameters still to be permitted.
  def body_params
    data = request.request_parameters
    raise NotAnObject, "the body must be a JSON object" if data.key?("_json")

    ActionController::Parameters.new(data)
  end

  # Validates the body with `form_class`; renders the 400 and returns nil when it is invalid.
  def valid_form(form_class)
    form = form_class.new(body_params)
    return form if form.valid?

    render json: { error: "invalid request body", issues: form.issues }, status: :bad_request
    nil
  end

  # Row ids in paths are positive 32-bit integers (serial); anything else is a malformed id (400),
  # which is a different answer from an id that does not exist (404).
  def row_id(raw, what)
    id = raw.to_s.match?(/\A[1-9][0-9]{0,9}\z/) ? raw.to_i : nil
    return id if id && id <= MAX_SERIAL

    error = "malformed #{what} id #{raw.to_s.to_json}: use the positive integer id returned when it was created"
    render json: { error: error, issues: [{ path: "id", message: "must be a positive integer" }] }, status: :bad_request
    nil
  end

  def not_found(what, id)
    render json: { error: "#{what} #{id} not found" }, status: :not_found
  end

  def malformed_json(error)
    message = "request body is not a JSON object: #{error.message.lines.first&.strip}"
    render json: { error: message, issues: [{ path: "", message: message }] }, status: :bad_request
  end

  def internal_error(error)
    raise error if Rails.env.test? && ENV["RAISE_IN_TESTS"]

    Rails.logger.error("unhandled error in #{request.request_method} #{request.path}: " \
                       "#{error.class}: #{error.message}\n#{error.backtrace&.first(8)&.join("\n")}")
    render json: { error: "internal error; the server log has the details" }, status: :internal_server_error
  end
end
