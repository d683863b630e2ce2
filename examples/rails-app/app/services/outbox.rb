# frozen_string_literal: true

# Email through the outbox: the message is written to email_outbox first (once per dedupe key),
# then EmailDeliveryJob delivers it and marks it sent. A lost job never loses the message (it is
# in the table), and a duplicate job never sends it twice (status check).
module Outbox
  module_function

  # Writes the message (once per dedupe key) and queues its delivery; returns the stored message.
  def enqueue(dedupe_key:, recipients:, subject:, body:)
    EmailMessage.insert_all([{ message_id: "msg_#{SecureRandom.hex(10)}", dedupe_key: dedupe_key,
                               recipients: recipients, subject: subject, body: body }], unique_by: :dedupe_key)
    message = EmailMessage.find_by(dedupe_key: dedupe_key) or raise "outbox message #{dedupe_key} vanished after insert"
    EmailDeliveryJob.perform_later(message.message_id) unless message.status == "sent"
    message
  end
end
