# frozen_string_literal: true

# The decision and batch outcomes a handler returns, and a batch worker instance's inputs.
module TaskerSdk
  # Outcomes that change a task's shape at run time, written into a handler's result under the key
  # the server reads (docs/worker-protocol.md#outcomes): a decision step's branches (`decide`,
  # `no_branches`) and a batchable step's batches (`create_batches`, `no_batches`). StepHandler
  # includes them and TaskerSdk answers them too (`TaskerSdk.decide(["manager_approval"])`).
  module Outcomes
    DECISION_OUTCOME_KEY = "decision_point_outcome"
    BATCH_OUTCOME_KEY = "batch_processing_outcome"
    # The most instances one batchable step's outcome may create (the server refuses more).
    MAX_BATCHES = 10_000

    extend self

    # A decision's result that creates `step_names` (and the steps behind them), with `result`'s
    # other fields. Names the decision cannot create fail the step for good.
    def decide(step_names, result = {})
      names = Array(step_names).map(&:to_s)
      raise ArgumentError, "decide needs at least one step name (or use no_branches)" if names.empty?

      stringify(result).merge(DECISION_OUTCOME_KEY => { "type" => "create_steps", "step_names" => names })
    end

    # A decision's result that creates none of the steps behind it.
    def no_branches(result = {})
      stringify(result).merge(DECISION_OUTCOME_KEY => { "type" => "no_branches" })
    end

    # Cursor configs for `total` items numbered from `start` in batches of `batch_size`: batch ids
    # "001", "002", ... (zero-padded so that instance names sort in order).
    def plan_batches(total:, batch_size:, start: 0)
      unless total.is_a?(Integer) && total >= 0
        raise ArgumentError, "total must be an Integer >= 0, got #{total.inspect}"
      end
      unless batch_size.is_a?(Integer) && batch_size >= 1
        raise ArgumentError, "batch_size must be an Integer >= 1, got #{batch_size.inspect}"
      end

      count = (total + batch_size - 1) / batch_size
      raise ArgumentError, "#{total} items make #{count} batches, more than #{MAX_BATCHES}" if count > MAX_BATCHES

      width = [3, count.to_s.length].max
      Array.new(count) do |i|
        from = start + (i * batch_size)
        to = [start + total, from + batch_size].min
        { "batch_id" => (i + 1).to_s.rjust(width, "0"), "start_cursor" => from, "end_cursor" => to,
          "batch_size" => to - from }
      end
    end

    # A batchable step's result: one instance of its worker template per cursor config.
    def create_batches(cursor_configs, total_items: nil, result: {})
      configs = cursor_configs.map { |c| stringify(c) }
      raise ArgumentError, "create_batches needs at least one cursor config (or use no_batches)" if configs.empty?

      total = total_items || configs.sum { |c| c.fetch("batch_size") }
      stringify(result).merge(BATCH_OUTCOME_KEY => { "type" => "create_batches", "cursor_configs" => configs,
                                                     "total_items" => total, "worker_count" => configs.size })
    end

    # Nothing to process: one no-op instance runs, so the steps after the batch still run.
    def no_batches(result = {})
      stringify(result).merge(BATCH_OUTCOME_KEY => { "type" => "no_batches" })
    end

    # Every instance of `worker_template` among a convergence step's dependency results, by batch
    # id: [{"batch_id", "failed", "result"}]; failed for a continue_on_failure instance that failed
    # for good (its result is {"batch_failed" => true, "batch_id", "error"}).
    def batch_results(dependency_results, worker_template)
      prefix = "#{worker_template}_"
      dependency_results.keys.map(&:to_s).select { |name| name.start_with?(prefix) }.sort.map do |name|
        result = dependency_results[name]
        { "batch_id" => name.delete_prefix(prefix),
          "failed" => result.is_a?(Hash) && result["batch_failed"] == true, "result" => result }
      end
    end

    private

    def stringify(hash)
      hash.to_h.transform_keys(&:to_s)
    end
  end

  # A batch worker instance's batch (its claim's `initialization.batch`): `StepContext#batch`.
  BatchInputs = Struct.new(:batch_id, :start_cursor, :end_cursor, :batch_size, :cursor_field, :total_items,
                           :batch_count, :no_op, :failure_strategy, keyword_init: true) do
    def self.from(hash)
      new(**members.to_h { |m| [m, hash[m.to_s]] })
    end

    alias_method :no_op?, :no_op
  end

  extend Outcomes
end
