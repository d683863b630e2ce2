# frozen_string_literal: true

# How an engine failure to accept a task becomes the app's HTTP answer:
#  - the engine refused the task (bad context, conflict...) -> 502, it will not work if repeated;
#  - the engine is overloaded or unreachable -> 503 with Retry-After, worth trying again.
EngineFailure = Struct.new(:status, :transient, :message, :details, :retry_after, keyword_init: true) do
  def self.from(error)
    case error
    when TaskerSdk::ApiError
      if error.transient?
        new(status: 503, transient: true, message: "the workflow engine is unavailable: #{error.message}",
            details: error.details, retry_after: error.retry_after&.positive? ? error.retry_after : 5)
      else
        new(status: 502, transient: false, details: error.details,
            message: "the workflow engine rejected the task (#{error.code}): #{error.message}")
      end
    else
      new(status: 503, transient: true, message: "the workflow engine could not be reached: #{error.message}",
          retry_after: 5)
    end
  end

  alias_method :transient?, :transient
end
