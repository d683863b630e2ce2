# frozen_string_literal: true

require "csv"
require "net/http"

module DataPipeline
  # Where a job's rows come from: a file:// path under the dataset directory, an http(s):// URL
  # (CSV or JSON), or, without a URL, the deterministic generated dataset. Errors say whether
  # trying again can help: an unreadable source is permanent, a 5xx or a timeout is retryable.
  module DatasetSource
    # Size cap: rows are stored in one jsonb value; larger datasets belong in object storage.
    MAX_ROWS = 50_000
    MAX_BYTES = 20 * 1024 * 1024

    module_function

    # Why a dataset_url is not acceptable, or nil when it is (checked at POST and at ingest).
    def url_problem(url, dataset_dir)
      uri = URI.parse(url)
      return nil if %w[http https].include?(uri.scheme)
      return "scheme #{uri.scheme}: is not supported; use file://, http:// or https://" unless uri.scheme == "file"
      return "file datasets must be inside #{dataset_dir} (DATASET_DIR)" unless inside?(file_path(uri), dataset_dir)

      nil
    rescue URI::InvalidURIError
      "must be an absolute file:// or http(s):// URL"
    end

    def load(job_id:, dataset_url:, dataset_dir:, timeout:)
      if dataset_url.nil? || dataset_url.empty?
        rows = DatasetGenerator.generate(job_id)
        return { origin: "generated from job #{job_id}", columns: columns_of(rows), rows: rows }
      end
      problem = url_problem(dataset_url, dataset_dir)
      raise TaskerSdk::PermanentError.new("dataset_url #{problem}", code: "invalid_dataset_url") if problem

      uri = URI.parse(dataset_url)
      text, kind = uri.scheme == "file" ? read_local(uri, dataset_dir) : fetch_remote(uri, timeout)
      rows = parse_rows(text, kind, dataset_url)
      { origin: dataset_url, columns: columns_of(rows), rows: rows }
    end

    def file_path(uri)
      File.expand_path(URI.decode_www_form_component(uri.path))
    end

    def inside?(path, dir)
      root = File.expand_path(dir)
      path.start_with?("#{root}/") && path != root
    end

    def read_local(uri, dataset_dir)
      path = file_path(uri)
      # Symlinks must not lead out of the dataset directory either.
      real = File.realpath(path)
      raise "resolves outside #{dataset_dir}" unless inside?(real, File.realpath(dataset_dir))
      raise "larger than #{MAX_BYTES} bytes" if File.size(real) > MAX_BYTES

      [File.read(real, encoding: "UTF-8"), File.extname(path).casecmp?(".json") ? :json : :csv]
    rescue StandardError => e
      raise TaskerSdk::PermanentError.new("cannot read dataset file #{path}: #{e.message}", code: "dataset_unreadable")
    end

    def fetch_remote(uri, timeout)
      response = begin
        Net::HTTP.start(uri.host, uri.port, use_ssl: uri.scheme == "https", open_timeout: timeout,
                                            read_timeout: timeout) { |http| http.get(uri.request_uri) }
      rescue StandardError => e
        raise TaskerSdk::RetryableError.new("fetching #{uri} failed: #{e.class}: #{e.message}",
                                            code: "dataset_fetch_failed")
      end
      check_response(uri, response)
      type = response["content-type"].to_s
      [response.body.to_s.dup.force_encoding("UTF-8"),
       type.include?("json") || File.extname(uri.path).casecmp?(".json") ? :json : :csv]
    end

    def check_response(uri, response)
      status = response.code.to_i
      if status >= 500 || status == 429
        retry_after = response["retry-after"].to_i
        raise TaskerSdk::RetryableError.new("fetching #{uri} answered #{status}",
                                            code: "dataset_source_unavailable",
                                            retry_after: retry_after.positive? ? retry_after : nil)
      end
      unless (200..299).cover?(status)
        raise TaskerSdk::PermanentError.new("fetching #{uri} answered #{status}; check the dataset_url",
                                            code: "dataset_unreadable")
      end
      return unless response.body.to_s.bytesize > MAX_BYTES

      raise TaskerSdk::PermanentError.new(
        "dataset at #{uri} is #{response.body.bytesize} bytes; the limit is #{MAX_BYTES}", code: "dataset_too_large"
      )
    end

    # Parses CSV, or JSON as an array of objects or {"rows": [...]}; permanent error when it is neither.
    def parse_rows(text, kind, origin)
      rows = begin
        kind == :csv ? parse_csv(text) : json_rows(JSON.parse(text))
      rescue CSV::MalformedCSVError, JSON::ParserError, ArgumentError => e
        raise TaskerSdk::PermanentError.new("dataset #{origin} is not valid #{kind.upcase}: #{e.message}",
                                            code: "dataset_unreadable")
      end
      unless rows.is_a?(Array) && rows.all?(Hash)
        raise TaskerSdk::PermanentError.new(%(dataset #{origin} must be a list of row objects (or {"rows": [...]})),
                                            code: "dataset_unreadable")
      end
      raise TaskerSdk::PermanentError.new("dataset #{origin} has no rows", code: "dataset_empty") if rows.empty?

      if rows.size > MAX_ROWS
        raise TaskerSdk::PermanentError.new("dataset #{origin} has #{rows.size} rows; the limit is #{MAX_ROWS}",
                                            code: "dataset_too_large")
      end

      rows
    end

    # A header row, then rows; numbers stay strings (the validation step decides what a column holds).
    def parse_csv(text)
      table = CSV.parse(text.delete_prefix("\uFEFF"), headers: true, skip_blanks: true)
      names = table.headers.compact.map(&:strip)
      raise ArgumentError, "CSV has no header row" if names.empty?

      table.map { |row| names.each_with_index.to_h { |name, i| [name, row[i] || ""] } }
    end

    def json_rows(parsed)
      parsed.is_a?(Hash) ? parsed["rows"] : parsed
    end

    # Every column name that appears in any row, in first-seen order.
    def columns_of(rows)
      rows.flat_map(&:keys).uniq
    end
  end
end
