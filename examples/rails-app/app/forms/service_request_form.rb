# frozen_string_literal: true

# POST /services/requests: user_id (e.g. cust-001) and request_type.
class ServiceRequestForm < RequestForm
  PERMITTED = %i[user_id request_type].freeze
  REQUEST_TYPES = %w[profile_summary order_summary full_report].freeze
  USER_ID = /\A[A-Za-z0-9_-]+\z/

  attr_reader :user_id, :request_type

  validate :check_body

  private

  def check_body
    @user_id = string_at(:user_id, raw(:user_id), max: 64, pattern: USER_ID,
                                                  message: "user_id may only contain letters, digits, '-' and '_'")
    type = raw(:request_type)
    return issue(:request_type, "is required") if type.nil?
    unless REQUEST_TYPES.include?(type)
      return issue(:request_type, "request_type must be one of #{REQUEST_TYPES.join(', ')}")
    end

    @request_type = type
  end
end
