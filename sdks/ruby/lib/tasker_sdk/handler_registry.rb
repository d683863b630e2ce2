# frozen_string_literal: true

module TaskerSdk
  # The handlers a worker can run, by callable.
  #
  #   registry = TaskerSdk::HandlerRegistry.new
  #   registry.register(ProcessPayment, SendConfirmation)        # StepHandler subclasses
  #   registry.handler("ecommerce_rb.audit") { |ctx| { "ok" => true } }   # a block
  class HandlerRegistry
    include Enumerable

    def initialize
      @handlers = {}
      @mutex = Mutex.new
    end

    # Registers StepHandler subclasses (a new instance per attempt), or objects that respond to
    # `callable` and `call(context)`. A callable registered twice is an error.
    def register(*handlers)
      handlers.flatten.each do |handler|
        callable = handler.respond_to?(:callable) ? handler.callable : nil
        raise ArgumentError, "#{handler.inspect} names no callable (use `handles \"ns.step\"`)" if callable.to_s.empty?

        add(callable.to_s, handler)
      end
      self
    end

    # Registers a block for `callable`.
    def handler(callable, &block)
      raise ArgumentError, "handler(#{callable.inspect}) needs a block" unless block

      add(callable.to_s, BlockHandler.new(callable, block))
      self
    end

    # Registers every loaded StepHandler subclass that names a callable, optionally only those
    # whose callable starts with one of `prefixes` (e.g. "ecommerce_rb.").
    def register_all(prefixes: nil)
      classes = StepHandler.handler_classes
      classes = classes.select { |k| Array(prefixes).any? { |p| k.callable.start_with?(p) } } if prefixes
      register(*classes)
    end

    # The object that runs `callable`'s attempts (an instance for StepHandler classes), or nil.
    def resolve(callable)
      handler = @mutex.synchronize { @handlers[callable] }
      handler.is_a?(Class) ? handler.new : handler
    end

    def include?(callable)
      @mutex.synchronize { @handlers.key?(callable) }
    end

    def callables
      @mutex.synchronize { @handlers.keys.sort }
    end

    def each(&block)
      @mutex.synchronize { @handlers.dup }.each(&block)
    end

    def size
      @mutex.synchronize { @handlers.size }
    end

    private

    def add(callable, handler)
      @mutex.synchronize do
        if @handlers.key?(callable) && !@handlers[callable].equal?(handler)
          raise ArgumentError, "callable #{callable.inspect} is registered twice"
        end

        @handlers[callable] = handler
      end
    end
  end
end
