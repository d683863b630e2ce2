# frozen_string_literal: true

require "erb"

module TaskerSdk
  # The orchestration server's REST API (`/v1/tasks`, `/v1/templates`), for apps that create
  # tasks and watch them. Thread-safe; connections are kept alive.
  #
  #   client = TaskerSdk::Client.new("http://127.0.0.1:8080", api_key: ENV["TASKER_API_KEY"])
  #   task = client.create_task(name: "order_processing", namespace: "ecommerce_rb",
  #                             context: { "order_id" => 42 }, idempotency_key: "orders-42")
  #   client.wait_for_task(task.task_uuid, timeout: 30).status   # => "complete"
  class Client
    TASK_REQUEST_FIELDS = %i[version initiator source_system reason tags priority correlation_id
                             parent_correlation_id idempotency_key].freeze

    def initialize(url, api_key: nil, open_timeout: 5, read_timeout: 30, pool_size: 8)
      @transport = Transport.new(url, api_key: api_key, open_timeout: open_timeout,
                                      read_timeout: read_timeout, pool_size: pool_size)
    end

    def url
      @transport.base_url
    end

    # Creates a task from a registered template. With an `idempotency_key`, the same request
    # again answers the existing task (`created?` false); the same key with another payload is
    # an ApiError 409 whose details name the existing task.
    def create_task(name:, namespace:, context: {}, **options)
      unknown = options.keys - TASK_REQUEST_FIELDS
      raise ArgumentError, "unknown task fields: #{unknown.join(', ')}" unless unknown.empty?

      body = { "name" => name, "namespace" => namespace, "context" => context }
      options.each { |key, value| body[key.to_s] = value unless value.nil? }
      status, data = @transport.request_with_status(:post, "/v1/tasks", body: body)
      CreatedTask.new(data, status == 201)
    end

    def get_task(task_uuid)
      Task.new(@transport.request(:get, "/v1/tasks/#{escape(task_uuid)}"))
    end

    # A page of tasks, newest first; filters: namespace, name, status, correlation_id.
    def list_tasks(limit: nil, offset: nil, **filters)
      TaskList.new(@transport.request(:get, "/v1/tasks", query: { limit: limit, offset: offset, **filters }))
    end

    # The task's steps (without results; `get_step` has them).
    def list_steps(task_uuid)
      data = @transport.request(:get, "/v1/tasks/#{escape(task_uuid)}/workflow_steps")
      (data.is_a?(Hash) ? data["steps"] : data).map { |s| Step.new(s) }
    end

    # One step with its results and error, by uuid or by name.
    def get_step(task_uuid, step_uuid: nil, name: nil)
      step_uuid ||= find_step_uuid(task_uuid, name)
      Step.new(@transport.request(:get, "/v1/tasks/#{escape(task_uuid)}/workflow_steps/#{escape(step_uuid)}"))
    end

    # Cancels a task: no new step starts; running ones learn it on their next heartbeat.
    def cancel_task(task_uuid, reason: nil)
      Task.new(@transport.request(:delete, "/v1/tasks/#{escape(task_uuid)}", query: { reason: reason }))
    end

    # Polls the task every `interval` seconds until it is terminal (complete, error, cancelled,
    # resolved_manually); raises WaitTimeout with the last task seen after `timeout` seconds.
    def wait_for_task(task_uuid, timeout: 30, interval: 1)
      deadline = monotonic + timeout
      loop do
        task = get_task(task_uuid)
        return task if task.terminal?

        if monotonic + interval > deadline
          steps = task.steps.map { |s| "#{s.name}=#{s.current_state}(#{s.attempts})" }.join(", ")
          raise WaitTimeout.new("task #{task_uuid} still #{task.status} after #{timeout}s: #{steps}", task)
        end
        sleep(interval)
      end
    end

    # Registers a template (its YAML or JSON text); needs the `templates:write` permission.
    def register_template(yaml)
      @transport.request(:post, "/v1/templates", body: { "yaml" => yaml })
    end

    # Registers every template under `sources` (see Templates.read).
    def register_templates(sources)
      Templates.read(sources).map { |yaml| register_template(yaml) }
    end

    # The server's readiness (`GET /health/ready`) as a Hash; raises when it is not ready.
    def health
      @transport.request(:get, "/health/ready")
    end

    def close
      @transport.close
    end

    private

    def find_step_uuid(task_uuid, name)
      raise ArgumentError, "get_step needs step_uuid: or name:" unless name

      step = list_steps(task_uuid).find { |s| s.name == name.to_s }
      raise ArgumentError, "task #{task_uuid} has no step #{name.inspect}" unless step

      step.workflow_step_uuid
    end

    def escape(value)
      ERB::Util.url_encode(value.to_s)
    end

    def monotonic
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end
