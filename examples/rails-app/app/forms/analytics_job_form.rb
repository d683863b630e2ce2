# frozen_string_literal: true

# POST /analytics/jobs: source (a name for the data), dataset_url optional (file://, http(s)://).
class AnalyticsJobForm < RequestForm
  PERMITTED = %i[source dataset_url].freeze
  SOURCE = %r{\A[\w .:/@-]+\z}
  DATASET_URL = %r{\A(file|https?)://}

  attr_reader :source, :dataset_url

  validate :check_body

  private

  def check_body
    @source = string_at(:source, raw(:source), max: 200, pattern: SOURCE,
                                               message: "source is required: a name for the data, e.g. q1-sales")
    if @source.nil? && raw(:source).is_a?(String) && !raw(:source).strip.empty?
      errors.delete(:source)
      issue(:source, "source may contain letters, digits, spaces and . _ - : / @")
    end
    @dataset_url = string_at(:dataset_url, raw(:dataset_url),
                             required: false, max: 2048, pattern: DATASET_URL,
                             message: "dataset_url must start with file://, http:// or https://")
  end
end
