# frozen_string_literal: true

require "json"
require "net/http"
require "openssl"
require "uri"

module TaskerSdk
  # JSON over HTTP to the orchestration server, on a small pool of keep-alive connections
  # (Net::HTTP sessions are not thread-safe, so each request checks one out). Non-2xx answers
  # raise ApiError with the API's error envelope; network failures raise ConnectionError.
  class Transport
    # Errors a reused keep-alive connection gives when the server closed it meanwhile.
    STALE_CONNECTION = [EOFError, Errno::ECONNRESET, Errno::EPIPE, Errno::ECONNABORTED].freeze
    NETWORK_ERRORS = [
      *STALE_CONNECTION, IOError, SocketError, SystemCallError, Net::OpenTimeout, Net::ReadTimeout,
      Net::WriteTimeout, OpenSSL::SSL::SSLError, Net::HTTPBadResponse
    ].freeze
    METHODS = {
      get: Net::HTTP::Get, post: Net::HTTP::Post, delete: Net::HTTP::Delete, patch: Net::HTTP::Patch
    }.freeze

    attr_reader :base_url

    # Lets another thread break off a request in progress (a long poll, when the worker stops):
    # pass it as `abort:`, then call `abort!`; the request raises ConnectionError.
    class Abort
      def initialize
        @mutex = Mutex.new
        @connection = nil
        @aborted = false
      end

      def aborted?
        @aborted
      end

      def abort!
        connection = @mutex.synchronize do
          @aborted = true
          @connection
        end
        connection&.finish if connection&.started?
      rescue IOError
        nil
      end

      # Called by the transport around the request.
      def attach(connection)
        @mutex.synchronize do
          raise ConnectionError, "the request was aborted" if @aborted

          @connection = connection
        end
      end

      def detach
        @mutex.synchronize { @connection = nil }
      end
    end

    # A keep-alive connection idle for longer than this is reopened rather than reused; the
    # server (Node) closes idle connections after 5 s.
    KEEP_ALIVE_SECONDS = 2

    def initialize(url, api_key: nil, open_timeout: 5, read_timeout: 30, pool_size: 16)
      @base_url = url.to_s.chomp("/")
      @uri = URI.parse(@base_url)
      raise ArgumentError, "not an http(s) URL: #{url.inspect}" unless @uri.is_a?(URI::HTTP)

      @api_key = api_key
      @open_timeout = open_timeout
      @read_timeout = read_timeout
      @pool_size = pool_size
      @pool = []
      @mutex = Mutex.new
    end

    # Sends a request and returns the parsed JSON answer (nil for an empty body).
    # `body` is an object to encode, or a String already holding JSON.
    def request(method, path, body: nil, query: nil, read_timeout: nil, abort: nil)
      status, text, headers = raw(method, path, body: body, query: query, read_timeout: read_timeout, abort: abort)
      raise api_error(status, text, headers, method, path) unless (200..299).cover?(status)

      text.nil? || text.empty? ? nil : JSON.parse(text)
    end

    # Like #request, also returning the status: [status, parsed JSON].
    def request_with_status(method, path, body: nil, query: nil)
      status, text, headers = raw(method, path, body: body, query: query)
      raise api_error(status, text, headers, method, path) unless (200..299).cover?(status)

      [status, text.nil? || text.empty? ? nil : JSON.parse(text)]
    end

    # Closes every pooled connection.
    def close
      connections = @mutex.synchronize { @pool.slice!(0..) }
      connections.each { |http| finish(http) }
    end

    private

    def raw(method, path, body: nil, query: nil, read_timeout: nil, abort: nil)
      req = build(method, path, body, query)
      attempt = 0
      begin
        attempt += 1
        http, reused = checkout
        http.read_timeout = read_timeout || @read_timeout
        abort&.attach(http)
        response = http.request(req)
        abort&.detach
        checkin(http)
        [response.code.to_i, response.body, response]
      rescue *NETWORK_ERRORS => e
        abort&.detach
        finish(http) if http
        # A reused connection the server had already closed: open a fresh one once.
        retry if reused && attempt == 1 && !abort&.aborted? && STALE_CONNECTION.any? { |k| e.is_a?(k) }
        raise ConnectionError, "#{method.upcase} #{@base_url}#{path} failed: #{e.class}: #{e.message}"
      end
    end

    def build(method, path, body, query)
      full = @uri.path.chomp("/") + path
      full += "?#{URI.encode_www_form(query.compact)}" if query && !query.compact.empty?
      req = METHODS.fetch(method).new(full)
      req["Accept"] = "application/json"
      req["User-Agent"] = "tasker-sdk-ruby/#{VERSION}"
      req["X-API-Key"] = @api_key if @api_key
      unless body.nil?
        req["Content-Type"] = "application/json"
        req.body = body.is_a?(String) ? body : JSON.generate(body)
      end
      req
    end

    def checkout
      http = @mutex.synchronize { @pool.pop }
      return [http, true] if http

      http = Net::HTTP.new(@uri.host, @uri.port)
      http.use_ssl = @uri.scheme == "https"
      http.open_timeout = @open_timeout
      http.write_timeout = @read_timeout
      http.keep_alive_timeout = KEEP_ALIVE_SECONDS
      http.start
      [http, false]
    end

    def checkin(http)
      kept = @mutex.synchronize { @pool.size < @pool_size && @pool.push(http) }
      finish(http) unless kept
    end

    def finish(http)
      http.finish if http.started?
    rescue IOError
      nil
    end

    def api_error(status, text, headers, method, path)
      envelope = begin
        JSON.parse(text.to_s)
      rescue JSON::ParserError
        nil
      end
      error = envelope.is_a?(Hash) && envelope["error"].is_a?(Hash) ? envelope["error"] : {}
      message = "#{method.upcase} #{path} answered #{status}"
      message += ": #{error['message']}" if error["message"]
      retry_after = headers["retry-after"]&.to_i
      ApiError.new(status: status, message: message, code: error["code"], details: error["details"],
                   retry_after: retry_after)
    end
  end
end
