# frozen_string_literal: true

module TeamScaling
  # A compliance check's two tasks: created together with one correlation id, and the check's
  # status derived from both (failed as soon as either fails, completed only when both are done).
  module CheckTasks
    TERMINAL = %w[completed failed cancelled].freeze

    module_function

    def context(check)
      { "check_id" => check.id, "order_ref" => check.order_ref, "items" => check.items,
        "destination" => check.destination, "coupon_code" => check.coupon_code,
        "customer_id" => check.customer_id }.compact
    end

    # Creates both tasks. When the engine refuses either, the one already created is cancelled
    # (half a check is no check) and the check is marked failed. Returns [check, failure or nil].
    def launch(check)
      created = {}
      failure = nil
      TEMPLATES.each do |team, template|
        task = Orchestration.client.create_task(
          **template, context: context(check), correlation_id: check.correlation_id,
                      idempotency_key: "#{check.task_idempotency_key}-#{template[:namespace]}",
                      initiator: "rails-app", source_system: "rails-app",
                      reason: "compliance check #{check.id} for order #{check.order_ref}",
                      tags: ["team-scaling", template[:namespace]]
        )
        created[team] = task.task_uuid
      rescue TaskerSdk::ApiError, TaskerSdk::ConnectionError => e
        failure ||= EngineFailure.from(e)
        Rails.logger.warn("the engine did not accept compliance check #{check.id}'s #{team} task: #{e.message}")
      end
      return refused(check, created, failure) if failure

      check.update_columns(task_uuids: created, task_uuid: created[PRIMARY_TEAM], status: "processing",
                           updated_at: Time.current)
      # Both tasks may have finished before their uuids were stored.
      refresh(check.id)
      [check.reload, nil]
    end

    def refused(check, created, failure)
      created.each do |team, uuid|
        Orchestration.client.cancel_task(uuid,
                                         reason: "compliance check #{check.id}: the other team's task was refused")
      rescue TaskerSdk::Error => e
        Rails.logger.warn("could not cancel the orphaned #{team} task #{uuid}: #{e.message}")
      end
      check.update_columns(status: "failed", error: failure.message, task_uuids: created, updated_at: Time.current)
      [check, failure]
    end

    # The check's status given the states of its tasks.
    def status_for(states)
      return "pending" if states.empty?
      return "failed" if states.include?("error")
      return "cancelled" if states.include?("cancelled")
      return "completed" if states.all? { |s| %w[complete resolved_manually].include?(s) }

      "processing"
    end

    # Recomputes a check's status from its tasks (`known`: a task's state already known, to save
    # asking the server); writes it when it is terminal. Returns true when the row changed.
    def refresh(check_id, known: nil)
      check = ComplianceCheck.find_by(id: check_id)
      return false unless check && check.task_uuids.size == TEMPLATES.size

      states = check.task_uuids.map { |team, uuid| task_state(team, uuid, known) }
      status = status_for(states.map { |s| s[:status] })
      return false if !TERMINAL.include?(status) || status == check.status

      failed = states.select { |s| s[:status] == "error" }
      error = failed.map { |s| "#{s[:team]} task failed: #{s[:error] || 'no reason given'}" }.join("; ")
      check.update_columns(status: status, error: status == "failed" ? error : nil, updated_at: Time.current)
      true
    end

    def task_state(team, uuid, known)
      return { team: team, status: known[:status], error: known[:error] } if known && known[:task_uuid] == uuid

      task = Orchestration.client.get_task(uuid)
      { team: team, status: task.status, error: task.error }
    end

    # A task of a check finished (the worker's report said so): refresh the checks it belongs to.
    def task_finished(correlation_id:, task_uuid:, status:, error:)
      checks = ComplianceCheck.where(correlation_id: correlation_id).select { |c| c.task_uuids.value?(task_uuid) }
      checks.each { |check| refresh(check.id, known: { task_uuid: task_uuid, status: status, error: error }) }
    end
  end
end
