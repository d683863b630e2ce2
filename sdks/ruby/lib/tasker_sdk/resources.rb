# frozen_string_literal: true

module TaskerSdk
  # A JSON object from the REST API with readers for its documented fields; `[]` and `to_h`
  # give the rest (fields a newer server adds are kept).
  class Resource
    def self.fields(*names)
      names.each { |name| define_method(name) { @data[name.to_s] } }
    end

    def initialize(data)
      @data = data || {}
    end

    def [](key)
      @data[key.to_s]
    end

    def to_h
      @data
    end

    def ==(other)
      other.is_a?(self.class) && other.to_h == to_h
    end
  end

  # A workflow step (`GET /v1/tasks/{uuid}/workflow_steps[/{step_uuid}]`).
  class Step < Resource
    fields :workflow_step_uuid, :task_uuid, :name, :current_state, :attempts, :max_attempts,
           :dependencies_satisfied, :retry_eligible, :last_failure_at, :next_retry_at,
           :last_attempted_at, :completed_at, :results, :error

    alias step_uuid workflow_step_uuid
    alias state current_state
  end

  # A task (`GET /v1/tasks/{uuid}`); `steps` are Step objects.
  class Task < Resource
    TERMINAL_STATES = %w[complete error cancelled resolved_manually].freeze

    fields :task_uuid, :name, :namespace, :version, :status, :context, :correlation_id, :tags,
           :total_steps, :pending_steps, :in_progress_steps, :completed_steps, :failed_steps,
           :completion_percentage, :error, :created_at, :updated_at, :completed_at

    def steps
      (@data["steps"] || []).map { |s| Step.new(s) }
    end

    def terminal?
      TERMINAL_STATES.include?(status)
    end

    def complete?
      status == "complete"
    end
  end

  # The answer to `Client#create_task`: the task, and whether this call created it (false when
  # an idempotency key found the existing one).
  class CreatedTask < Task
    def initialize(data, created)
      super(data)
      @created = created
    end

    def created?
      @created
    end
  end

  # A page of `GET /v1/tasks`.
  class TaskList < Resource
    fields :pagination

    def tasks
      (@data["tasks"] || []).map { |t| Task.new(t) }
    end
  end
end
