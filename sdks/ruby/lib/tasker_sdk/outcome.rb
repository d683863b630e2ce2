# frozen_string_literal: true

require "json"

module TaskerSdk
  # One attempt's outcome as the worker protocol carries it, encoded once: the JSON text is
  # what the size limit is measured on and what is sent.
  class Outcome
    MAX_MESSAGE = 10_000
    MAX_CODE = 255

    attr_reader :json

    def self.success(result)
      new({ "status" => "success", "result" => result })
    rescue JSON::GeneratorError, EncodingError => e
      failure(message: "the handler's result cannot be sent as JSON: #{e.message}; return plain data " \
                       "(strings in UTF-8, finite numbers, hashes and arrays)",
              code: "unstorable_result", retryable: false)
    end

    # A failure; `kind` is "permanent", "retryable", "timeout" or "handler_missing".
    def self.failure(message:, code: nil, retryable: true, kind: nil, metadata: nil, retry_after_ms: nil)
      error = {
        "message" => clean_message(message), "retryable" => retryable, "code" => code&.to_s&.slice(0, MAX_CODE),
        "retry_after_ms" => retry_after_ms, "metadata" => metadata.is_a?(Hash) ? metadata : nil
      }
      error["kind"] = kind if kind
      new({ "status" => "failure", "error" => error })
    rescue JSON::GeneratorError, EncodingError
      # Metadata JSON cannot hold: keep the error, without it.
      new({ "status" => "failure",
            "error" => error.merge("metadata" => { "unsendable_metadata" => true }) })
    end

    # The outcome for an exception a handler raised.
    def self.from_exception(error)
      case error
      when PermanentError, RetryableError
        retry_ms = error.is_a?(RetryableError) && error.retry_after ? (error.retry_after * 1000).round : nil
        failure(message: error.message, code: error.code, retryable: error.retryable?,
                kind: error.retryable? ? "retryable" : "permanent", metadata: error.metadata,
                retry_after_ms: retry_ms)
      else
        failure(message: error.message, code: error.class.name, retryable: true, kind: "retryable")
      end
    end

    def self.timeout(seconds)
      failure(message: "step timed out after #{seconds}s (timeout_seconds); it will be retried while attempts remain",
              code: "timeout", retryable: true, kind: "timeout")
    end

    def self.clean_message(message)
      text = message.to_s
      unless text.encoding == Encoding::UTF_8 && text.valid_encoding?
        text = text.encode("UTF-8", invalid: :replace, undef: :replace)
      end
      text = text.scrub.delete("\u0000")
      text = "(no message)" if text.strip.empty?
      text.length > MAX_MESSAGE ? "#{text[0, MAX_MESSAGE - 3]}..." : text
    end

    def initialize(data)
      @data = data
      @json = JSON.generate(data)
    end

    def success?
      @data["status"] == "success"
    end

    def error
      @data["error"]
    end

    def result
      @data["result"]
    end

    def bytesize
      @json.bytesize
    end

    # A result or error over the server's limit becomes a permanent `result_too_large`.
    def within(limit)
      return self if limit.nil? || bytesize <= limit

      what = success? ? "result" : "error"
      Outcome.failure(
        message: "the handler's #{what} is #{bytesize} bytes as JSON, over the server's limit of #{limit} bytes " \
                 "(max_result_bytes); store large data elsewhere and return a reference",
        code: "result_too_large", retryable: false, kind: "permanent",
        metadata: { "payload" => what, "size_bytes" => bytesize, "limit_bytes" => limit }
      )
    end
  end
end
