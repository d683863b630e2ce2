# frozen_string_literal: true

# Watching tasks the way an outside client would: through the orchestration server's REST API
# (GET /v1/tasks/{uuid}, .../workflow_steps), polling every second for up to 30 s.
module TaskPolling
  TERMINAL = %w[complete error cancelled resolved_manually].freeze

  # Polls GET /v1/tasks/{uuid} until the task is terminal; returns it (a Hash), whatever the outcome.
  def wait_for_task_completion(task_uuid, timeout: 30, interval: 1)
    TaskerHarness.admin_client.wait_for_task(task_uuid, timeout: timeout, interval: interval).to_h
  end

  # GET /v1/tasks/{uuid}/workflow_steps (Hashes).
  def get_task_steps(task_uuid)
    TaskerHarness.admin_client.list_steps(task_uuid).map(&:to_h)
  end

  # GET /v1/tasks/{uuid}/workflow_steps/{step_uuid} for the step named `name`, results and error included.
  def get_step(task_uuid, name)
    TaskerHarness.admin_client.get_step(task_uuid, name: name).to_h
  end

  def get_task(task_uuid)
    TaskerHarness.admin_client.get_task(task_uuid).to_h
  end

  # Polls a block until it answers something truthy (or fails after `timeout` seconds).
  def eventually(timeout: 15, interval: 0.2, what: "the condition")
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    loop do
      value = yield
      return value if value
      raise "#{what} was not met within #{timeout}s" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      sleep(interval)
    end
  end
end
