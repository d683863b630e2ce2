# frozen_string_literal: true

# The base of the app's step handlers: a TaskerSdk::StepHandler (one instance per attempt, `call`
# gets the step context) with checks on what a step reads. The templates' input_schema checks the
# task context when a task is created; these checks name what is missing if a task was made some
# other way, as a permanent `invalid_input` failure (trying again cannot fix it).
class ApplicationStepHandler < TaskerSdk::StepHandler
  private

  # The task context, which must hold `keys`.
  def input(ctx, *keys)
    require_keys(ctx.input, keys, "the task context")
  end

  # The result of ancestor step `step`, which must hold `keys`.
  def dependency(ctx, step, *keys)
    result = ctx.result(step)
    unless result.is_a?(Hash)
      raise invalid("step #{step}'s result is missing (is #{step} an ancestor of #{ctx.step_name}?)")
    end

    require_keys(result, keys, "step #{step}'s result")
  end

  def require_keys(hash, keys, what)
    raise invalid("#{what} must be an object") unless hash.is_a?(Hash)

    missing = keys.map(&:to_s).reject { |key| hash.key?(key) }
    raise invalid("#{what} is missing #{missing.join(', ')}") if missing.any?

    hash
  end

  def invalid(message)
    TaskerSdk::PermanentError.new(message, code: "invalid_input")
  end

  def permanent(message, code:, metadata: nil)
    TaskerSdk::PermanentError.new(message, code: code, metadata: metadata)
  end

  def retryable(message, code:, metadata: nil, retry_after: nil)
    TaskerSdk::RetryableError.new(message, code: code, metadata: metadata, retry_after: retry_after)
  end
end
