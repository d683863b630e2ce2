# frozen_string_literal: true

# JSON bodies are read as they are (no copy wrapped under the controller's name).
ActiveSupport.on_load(:action_controller) do
  wrap_parameters format: []
end
