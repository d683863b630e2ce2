# frozen_string_literal: true

module TaskerSdk
  VERSION = "0.1.0"
  # The worker protocol version this SDK speaks (docs/worker-protocol.md).
  PROTOCOL_VERSION = "1"
end
