# frozen_string_literal: true

# Requests to the app as JSON, and reading rows back until they reach a status.
module RequestHelpers
  JSON_HEADERS = { "CONTENT_TYPE" => "application/json", "ACCEPT" => "application/json" }.freeze

  # Request specs get ActiveJob::TestHelper, which swaps every job's adapter for its test adapter
  # (jobs stored, never run). Here jobs must run as in the app: the async adapter, in this process,
  # for the request threads and the worker's threads alike.
  def before_setup
    super
    queue_adapter_changed_jobs.each(&:disable_test_adapter)
  end

  def post_json(path, body)
    post path, params: body.is_a?(String) ? body : body.to_json, headers: JSON_HEADERS
    [response.status, json_body]
  end

  def get_json(path)
    get path, headers: JSON_HEADERS
    [response.status, json_body]
  end

  def json_body
    JSON.parse(response.body)
  end

  # GETs `path` until the row's status is one of `statuses` (the row follows its task through the
  # worker's task-finished events); returns the row.
  def wait_for_row_status(path, statuses, timeout: 30)
    last = nil
    eventually(timeout: timeout, interval: 0.25,
               what: "#{path} reaching #{statuses.join(' or ')} (last: #{last&.dig('status')})") do
      _, last = get_json(path)
      statuses.include?(last["status"]) && last
    end
  end
end
