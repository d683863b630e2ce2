# frozen_string_literal: true

# Card tokens and keys stay out of the logs.
Rails.application.config.filter_parameters += %i[token api_key password secret]
