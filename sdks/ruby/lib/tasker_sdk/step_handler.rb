# frozen_string_literal: true

module TaskerSdk
  # The class style of handler: subclass it, name the callable it handles, implement `call`.
  #
  #   class ProcessPayment < TaskerSdk::StepHandler
  #     handles "ecommerce_rb.process_payment"
  #
  #     def call(context)
  #       raise TaskerSdk::PermanentError.new("card declined", code: "card_declined") if ...
  #       { "payment_id" => "pay_123" }
  #     end
  #   end
  #
  # A new instance handles each attempt. `call` returns the step's result (JSON data) or raises:
  # PermanentError ends the step, RetryableError (or any other StandardError) retries it.
  class StepHandler
    include Outcomes

    class << self
      # Names (or, without an argument, returns) the callable this handler is registered under.
      def handles(callable = nil)
        @callable = callable.to_s.freeze if callable
        @callable
      end

      alias callable handles

      # Every subclass that names a callable, in load order (for `HandlerRegistry#register_all`).
      def handler_classes
        StepHandler.loaded_subclasses.select(&:callable)
      end

      def inherited(subclass)
        super
        StepHandler.loaded_subclasses << subclass
      end

      def loaded_subclasses
        @loaded_subclasses ||= []
      end
    end

    def call(_context)
      raise NotImplementedError, "#{self.class.name} must implement call(context)"
    end
  end

  # The block style: a callable and the block that handles it.
  class BlockHandler
    attr_reader :callable

    def initialize(callable, block)
      @callable = callable.to_s
      @block = block
    end

    def call(context)
      @block.call(context)
    end
  end
end
