# frozen_string_literal: true

module DataPipeline
  # The analytics report: one JSON document (what the API returns) and its Markdown rendering.
  module Report
    module_function

    def build(job_id:, source:, origin:, columns:, validation:, column_stats:, anomalies:, aggregates:, generated_at:)
      {
        "title" => "Sales analytics: #{source} (job ##{job_id})", "job_id" => job_id, "source" => source,
        "generated_at" => generated_at,
        "dataset" => { "origin" => origin, "rows" => validation["total_rows"], "columns" => columns },
        "quality" => validation.slice("valid_rows", "invalid_rows", "invalid_share"),
        "anomalies" => { "field" => anomalies["field"], "count" => anomalies["anomaly_count"],
                         "lower_bound" => anomalies["lower_bound"], "upper_bound" => anomalies["upper_bound"],
                         "top" => anomalies["anomalies"].first(10) },
        "totals" => aggregates["totals"], "by_region" => aggregates["by_region"],
        "by_product" => aggregates["by_product"], "column_stats" => column_stats,
        "highlights" => highlights(validation, anomalies, aggregates)
      }
    end

    def highlights(validation, anomalies, aggregates)
      list = []
      region = top(aggregates["by_region"])
      product = top(aggregates["by_product"])
      list << "Top region: #{region[0]} (#{Numbers.money(region[1]['amount'])})" if region
      list << "Top product: #{product[0]} (#{Numbers.money(product[1]['amount'])})" if product
      list << "#{anomalies['anomaly_count']} anomalous #{anomalies['field']} value(s) outside " \
              "#{Numbers.money(anomalies['lower_bound'])} .. #{Numbers.money(anomalies['upper_bound'])}"
      if validation["invalid_rows"].positive?
        list << "#{validation['invalid_rows']} of #{validation['total_rows']} rows were invalid " \
                "and left out of the totals"
      end
      list
    end

    def top(record)
      record.max_by { |_key, totals| totals["amount"] }
    end

    def markdown(report)
      dataset = report["dataset"]
      totals = report["totals"]
      [
        "# #{report['title']}", "",
        "Generated #{report['generated_at']} from #{dataset['origin']} (#{dataset['rows']} rows).", "",
        "## Highlights", *report["highlights"].map { |h| "- #{h}" }, "",
        "## Totals",
        "#{totals['rows']} valid rows, #{totals['quantity']} units, #{Numbers.money(totals['amount'])} in sales.", "",
        "### By region", *table("Region", report["by_region"]), "",
        "### By product", *table("Product", report["by_product"]), "",
        *quality_section(report["quality"]), *anomalies_section(report["anomalies"])
      ].join("\n")
    end

    def quality_section(quality)
      ["## Data quality",
       "#{quality['valid_rows']} valid, #{quality['invalid_rows']} invalid " \
       "(#{format('%.2f', quality['invalid_share'] * 100)}%).", ""]
    end

    def anomalies_section(anomalies)
      range = "#{Numbers.money(anomalies['lower_bound'])} .. #{Numbers.money(anomalies['upper_bound'])}"
      summary = if anomalies["count"].zero?
                  "No #{anomalies['field']} outside #{range}."
                else
                  "#{anomalies['count']} row(s) with #{anomalies['field']} outside #{range}:"
                end
      ["## Anomalies", summary,
       *anomalies["top"].map { |a| "- row #{a['row_index']}: #{Numbers.money(a['value'])} (z = #{a['z_score']})" }, ""]
    end

    def table(label, record)
      ["| #{label} | Rows | Quantity | Amount |", "| --- | ---: | ---: | ---: |",
       *record.map { |key, t| "| #{key} | #{t['rows']} | #{t['quantity']} | #{Numbers.money(t['amount'])} |" }]
    end
  end
end
