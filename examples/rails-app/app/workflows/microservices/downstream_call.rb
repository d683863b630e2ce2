# frozen_string_literal: true

require "net/http"

module Microservices
  # Calls a downstream service over HTTP and turns every failure into the engine's vocabulary:
  # a 404 or other client error can never succeed on retry (PermanentError); a 5xx, 429, timeout
  # or unreachable host may (RetryableError).
  module DownstreamCall
    DEFAULT_TIMEOUT_MS = 5_000

    module_function

    # GETs `url` and returns the JSON body, which `contract` (a lambda naming what is wrong, or nil) checks.
    def get(service:, url:, contract:, timeout_ms: DEFAULT_TIMEOUT_MS, headers: {})
      uri = URI.parse(url)
      metadata = { "service" => service, "url" => url }
      response = request(uri, timeout_ms, headers, service, metadata)
      raise classify(service, url, response) unless (200..299).cover?(response.code.to_i)

      parse(response, service, url, contract, metadata)
    end

    def request(uri, timeout_ms, headers, service, metadata)
      seconds = timeout_ms / 1000.0
      Net::HTTP.start(uri.host, uri.port, use_ssl: uri.scheme == "https", open_timeout: seconds,
                                          read_timeout: seconds) do |http|
        http.get(uri.request_uri, { "accept" => "application/json" }.merge(headers))
      end
    rescue Net::OpenTimeout, Net::ReadTimeout
      raise TaskerSdk::RetryableError.new("#{service} did not answer within #{timeout_ms} ms (#{uri})",
                                          code: "downstream_timeout",
                                          metadata: metadata.merge("timeout_ms" => timeout_ms))
    rescue SystemCallError, IOError, SocketError => e
      raise TaskerSdk::RetryableError.new("#{service} is unreachable at #{uri}: #{e.message}",
                                          code: "downstream_unreachable", metadata: metadata)
    end

    def parse(response, service, url, contract, metadata)
      json = JSON.parse(response.body.to_s)
      problem = contract.call(json)
      # A contract mismatch will not fix itself by retrying.
      if problem
        raise TaskerSdk::PermanentError.new("#{service} answered with an unexpected shape: #{problem}",
                                            code: "downstream_contract_violation", metadata: metadata)
      end
      json
    rescue JSON::ParserError
      raise TaskerSdk::RetryableError.new("#{service} answered #{response.code} with a body that is not JSON (#{url})",
                                          code: "downstream_invalid_response", metadata: metadata)
    end

    # The handler error for a non-2xx answer.
    def classify(service, url, response)
      status = response.code.to_i
      detail = error_detail(response.body)
      metadata = { "service" => service, "url" => url, "status" => status }
      if status == 404
        TaskerSdk::PermanentError.new("#{service} has no such resource (404 #{url})#{detail}",
                                      code: "downstream_not_found", metadata: metadata)
      elsif status >= 500 || [429, 408].include?(status)
        retry_after = Float(response["retry-after"], exception: false)
        TaskerSdk::RetryableError.new("#{service} is unavailable (#{status} #{url})#{detail}",
                                      code: "downstream_unavailable", metadata: metadata,
                                      retry_after: retry_after&.positive? ? retry_after : nil)
      else
        TaskerSdk::PermanentError.new("#{service} rejected the request (#{status} #{url})#{detail}",
                                      code: "downstream_rejected", metadata: metadata)
      end
    end

    def error_detail(body)
      parsed = JSON.parse(body.to_s)
      parsed.is_a?(Hash) && parsed["error"].is_a?(String) ? ": #{parsed['error']}" : ""
    rescue JSON::ParserError
      ""
    end
  end
end
