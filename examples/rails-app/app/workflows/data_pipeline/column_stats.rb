# frozen_string_literal: true

module DataPipeline
  # Per-column profile of a dataset: min, max, mean, nulls, distinct values.
  module ColumnStats
    module_function

    def null?(value)
      value.nil? || value == ""
    end

    def column(rows, name)
      present = rows.map { |r| r[name] }.reject { |v| null?(v) }
      numbers = present.filter_map { |v| RowValidation.to_number(v) }
      base = { "count" => rows.size, "nulls" => rows.size - present.size, "distinct" => distinct(present) }
      return base.merge("type" => "empty", "min" => nil, "max" => nil, "mean" => nil) if present.empty?

      if numbers.size == present.size
        return base.merge("type" => "number", "min" => numbers.min, "max" => numbers.max,
                          "mean" => Numbers.round_to(numbers.reduce(0.0) { |sum, v| sum + v } / numbers.size, 4))
      end

      texts = present.map(&:to_s).sort
      base.merge("type" => numbers.any? ? "mixed" : "string", "min" => texts.first, "max" => texts.last, "mean" => nil)
    end

    # "3" from a CSV and 3 from JSON are the same value.
    def distinct(values)
      keys = values.map do |value|
        number = RowValidation.to_number(value)
        if number then number.to_f.to_s
        elsif value.is_a?(String) then value
        else
          value.to_json
        end
      end
      keys.uniq.size
    end

    def profile(rows, columns)
      columns.to_h { |name| [name, column(rows, name)] }
    end
  end
end
