# frozen_string_literal: true

module DataPipeline
  # Schema checks for sales rows: required columns with the right types. Numbers may arrive as
  # numeric strings (CSV); `to_number` is the one place that decides what counts as a number.
  module RowValidation
    REQUIRED_COLUMNS = %w[date region product quantity amount].freeze
    # More than this share of invalid rows fails the job: the data is not what we think it is.
    MAX_INVALID_SHARE = 0.5
    NUMBER = /\A-?\d+(\.\d+)?\z/

    module_function

    def to_number(value)
      case value
      when Integer then value
      when Float then value.finite? ? value : nil
      when String
        text = value.strip
        return nil unless NUMBER.match?(text)

        number = text.to_f
        # One number type, as in JSON: "3", "3.0" and 3 are all 3.
        number == number.to_i && number.abs < 2**53 ? number.to_i : number
      end
    end

    def iso_date?(value)
      value.is_a?(String) && value.match?(/\A\d{4}-\d{2}-\d{2}\z/) && Date.valid_date?(*value.split("-").map(&:to_i))
    end

    def validate_row(row)
      REQUIRED_COLUMNS.each_with_object([]) do |column, issues|
        value = row[column]
        if value.nil? || value == ""
          issues << { "column" => column, "message" => "is missing" }
          next
        end
        message = column_problem(column, value)
        issues << { "column" => column, "message" => message } if message
      end
    end

    def column_problem(column, value)
      case column
      when "date" then "must be a date like 2024-01-31" unless iso_date?(value)
      when "region", "product" then "must be text" unless value.is_a?(String)
      when "quantity"
        n = to_number(value)
        "must be a whole number >= 0" unless n && (n.is_a?(Integer) || n == n.floor) && n >= 0
      when "amount" then "must be a number" if to_number(value).nil?
      end
    end

    def validate_dataset(rows, columns)
      invalid = rows.each_with_index.filter_map do |row, index|
        issues = validate_row(row)
        { "row_index" => index, "issues" => issues } if issues.any?
      end
      {
        "total_rows" => rows.size, "valid_rows" => rows.size - invalid.size, "invalid_rows" => invalid.size,
        "invalid_share" => rows.empty? ? 0 : Numbers.round_to(invalid.size.to_f / rows.size, 4),
        "missing_columns" => REQUIRED_COLUMNS - columns, "invalid_examples" => invalid.first(5)
      }
    end

    # The rows that pass validate_row, with quantity and amount as numbers.
    def valid_rows(rows)
      rows.select { |row| validate_row(row).empty? }.map do |row|
        { "date" => row["date"].to_s, "region" => row["region"].to_s, "product" => row["product"].to_s,
          "quantity" => to_number(row["quantity"]), "amount" => to_number(row["amount"]) }
      end
    end
  end
end
