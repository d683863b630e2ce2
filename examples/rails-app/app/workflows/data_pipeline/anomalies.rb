# frozen_string_literal: true

module DataPipeline
  # Outliers: values more than `sigmas` standard deviations (population) from the mean.
  module Anomalies
    module_function

    def detect(rows, field: "amount", sigmas: 3, limit: 50)
      values = rows.each_with_index.filter_map do |row, index|
        value = RowValidation.to_number(row[field])
        { "row_index" => index, "value" => value } if value
      end
      n = values.size
      # Summed left to right (Array#sum compensates, which would differ from the other apps' figures).
      mean = n.zero? ? 0.0 : values.reduce(0.0) { |sum, v| sum + v["value"] } / n
      stddev = n.zero? ? 0.0 : Math.sqrt(values.reduce(0.0) { |sum, v| sum + ((v["value"] - mean)**2) } / n)
      found = stddev.zero? ? [] : outliers(values, mean, stddev, sigmas)
      {
        "field" => field, "sigmas" => sigmas, "rows_considered" => n, "mean" => Numbers.round_to(mean, 2),
        "stddev" => Numbers.round_to(stddev, 2), "lower_bound" => Numbers.round_to(mean - (sigmas * stddev), 2),
        "upper_bound" => Numbers.round_to(mean + (sigmas * stddev), 2), "anomaly_count" => found.size,
        "anomalies" => found.first(limit)
      }
    end

    # The most extreme first.
    def outliers(values, mean, stddev, sigmas)
      values.select { |v| (v["value"] - mean).abs > sigmas * stddev }
            .map { |v| v.merge("z_score" => Numbers.round_to((v["value"] - mean) / stddev, 2)) }
            .sort_by { |v| -v["z_score"].abs }
    end
  end
end
