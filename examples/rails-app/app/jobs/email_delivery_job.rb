# frozen_string_literal: true

# Delivers an outbox message (at most once: a sent message is left alone) and records the result.
class EmailDeliveryJob < ApplicationJob
  queue_as :email
  ATTEMPTS = 5
  retry_on StandardError, wait: :exponentially_longer, attempts: ATTEMPTS

  # Logs instead of talking SMTP; swap in a real transport (e.g. Action Mailer) in production.
  TRANSPORT = lambda do |message|
    Rails.logger.info("email sent: #{message.message_id} to #{message.recipients.join(', ')}: #{message.subject}")
  end

  def perform(message_id)
    message = EmailMessage.find_by(message_id: message_id)
    return if message.nil? || message.status == "sent"

    begin
      TRANSPORT.call(message)
    rescue StandardError => e
      message.update!(attempts: message.attempts + 1, last_error: e.message,
                      status: executions >= ATTEMPTS ? "failed" : "queued")
      raise
    end
    message.update!(status: "sent", sent_at: Time.current, attempts: message.attempts + 1, last_error: nil)
  end
end
