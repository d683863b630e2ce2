# frozen_string_literal: true

require "json"
require "logger"
require "socket"

module TaskerSdk
  # Runs Ruby step handlers for an orchestration server over the worker protocol
  # (docs/worker-protocol.md), with no database access and plain threads:
  #
  # - `start` registers the app's templates and the worker, then a claim thread long-polls for
  #   steps while slots are free and a heartbeat thread keeps the running steps' leases;
  # - each claimed step runs in its own thread with the attempt's deadline; its outcome is
  #   reported and the `next` step the answer carries runs in the same slot;
  # - a heartbeat saying `cancelled` or `lost` stops the handler (a lost one is not reported);
  # - a report that gets no answer is retried (MIN_REPORT_WINDOW), heartbeats going on meanwhile;
  # - `stop` drains, lets running steps finish (`shutdown_timeout`), stops the rest, then
  #   deregisters (the server hands back what is still claimed).
  #
  # `start` and `stop` are idempotent and `start` never raises (it answers a StartResult).
  class Worker
    SDK = { "name" => "tasker-sdk-ruby", "version" => VERSION }.freeze
    TERMINAL_TASK_STATES = %w[complete error cancelled resolved_manually].freeze
    RETRY_FIRST = 0.1
    RETRY_MAX = 5.0
    # How long a handler told to stop (shutdown) may take to end by itself before its claim is
    # handed back regardless.
    STOP_GRACE = 1.0
    # A report that gets no answer is retried for the longer of the lease and this: once the server
    # is back, a claim nobody took over is still this worker's and the report lands.
    MIN_REPORT_WINDOW = 30

    StartResult = Struct.new(:success, :status, :message, :worker_id, keyword_init: true) do
      alias_method :success?, :success
    end
    Status = Struct.new(:worker_id, :running, :namespaces, :handlers, :in_flight, :completed, :failed,
                        keyword_init: true)
    # A report's answer said the step's task reached a terminal state.
    TaskFinished = Struct.new(:task_uuid, :task_name, :namespace, :correlation_id, :status, :step_name,
                              keyword_init: true)
    Running = Struct.new(:claim, :signal)

    # The default executor: runs the block as it is. In Rails pass `Rails.application.executor`,
    # so each attempt gets the app's executor (database connections returned, reloading safe).
    module InlineExecutor
      def self.wrap
        yield
      end
    end

    attr_reader :namespaces, :registry, :concurrency, :lease_seconds

    def initialize(url:, namespaces:, handlers:, api_key: nil, worker_id: nil, concurrency: 10,
                   lease_seconds: 30, claim_wait: 10, shutdown_timeout: 30, templates: [], logger: nil,
                   executor: InlineExecutor, on_task_finished: nil, hard_timeouts: false)
      @namespaces = Array(namespaces).map(&:to_s)
      raise ArgumentError, "a worker needs at least one namespace" if @namespaces.empty?

      @registry = handlers.is_a?(HandlerRegistry) ? handlers : HandlerRegistry.new.register(*Array(handlers))
      @configured_id = worker_id
      @concurrency = Integer(concurrency)
      @lease_seconds = Integer(lease_seconds)
      @claim_wait = claim_wait.to_f
      @shutdown_timeout = shutdown_timeout.to_f
      @templates = Array(templates)
      @logger = logger || Logger.new($stderr, level: Logger::INFO, progname: "tasker_sdk")
      @executor = executor
      @on_task_finished = on_task_finished
      @hard_timeouts = hard_timeouts
      @transport = Transport.new(url, api_key: api_key, read_timeout: 30, pool_size: @concurrency + 4)
      @lifecycle = Mutex.new
      @mutex = Mutex.new
      @slot_freed = ConditionVariable.new
      @in_flight = {}
      @busy = 0
      @completed = 0
      @failed = 0
      @running = false
    end

    def worker_id
      @registration&.fetch("worker_id") || @configured_id
    end

    def running?
      @running
    end

    # Registers the templates and the worker and starts claiming. Never raises.
    def start
      @lifecycle.synchronize do
        return result(true, "already_running", "worker #{worker_id} is already running") if @running

        begin
          register_templates
          register
        rescue Error => e
          return result(false, "error", "the worker could not start: #{e.message}")
        end
        @running = true
        @stop_requested = CancellationSignal.new
        @claim_abort = Transport::Abort.new
        @heartbeat_stop = CancellationSignal.new
        @claim_thread = spawn("tasker-claims") { claim_loop }
        @heartbeat_thread = spawn("tasker-heartbeat") { heartbeat_loop }
        message = "worker #{worker_id} serving #{@namespaces.join(', ')} " \
                  "(#{@registry.size} handlers, concurrency #{@concurrency}) on #{@transport.base_url}"
        @logger.info(message)
        result(true, "started", message)
      end
    end

    # Drains, waits up to `timeout` seconds for running steps, stops the others, deregisters.
    # Returns false when the worker was not running.
    def stop(timeout: @shutdown_timeout)
      @lifecycle.synchronize do
        return false unless @running

        @running = false
        @stop_requested.cancel(:stop)
        call_quietly("drain") { @transport.request(:post, "#{worker_path}/drain") }
        # Break off the long poll (the server hands back anything it claimed for it meanwhile).
        @claim_abort.abort!
        @claim_thread.kill unless @claim_thread.join(5)
        unless wait_idle(timeout)
          running_steps.each { |r| r.signal.cancel(:shutdown) }
          wait_idle(STOP_GRACE + 1)
        end
        @heartbeat_stop.cancel(:stop)
        @heartbeat_thread.join(5)
        call_quietly("deregister") { @transport.request(:delete, worker_path) }
        @logger.info("worker #{worker_id} stopped (#{@completed} completed, #{@failed} failed)")
        @transport.close
        true
      end
    end

    # Stops the worker when the process exits (at_exit), once.
    def stop_at_exit!
      return self if @stop_at_exit

      @stop_at_exit = true
      at_exit { stop }
      self
    end

    def status
      Status.new(worker_id: worker_id, running: @running, namespaces: @namespaces, handlers: @registry.callables,
                 in_flight: @mutex.synchronize { @in_flight.size }, completed: @completed, failed: @failed)
    end

    private

    def result(success, status, message)
      StartResult.new(success: success, status: status, message: message, worker_id: worker_id.to_s)
    end

    def worker_path
      "/v1/worker/workers/#{worker_id}"
    end

    def spawn(name)
      thread = Thread.new do
        yield
      rescue Exception => e # rubocop:disable Lint/RescueException -- a loop thread must say why it died
        @logger.error("#{name} thread died: #{e.class}: #{e.message}")
        raise
      end
      thread.name = name
      thread.report_on_exception = false
      thread
    end

    def call_quietly(what)
      yield
    rescue Error => e
      @logger.warn("worker #{worker_id}: #{what} failed: #{e.message}")
      nil
    end

    def register_templates
      Templates.read(@templates).each do |yaml|
        @transport.request(:post, "/v1/templates", body: { "yaml" => yaml })
      end
    end

    def register
      body = {
        "namespaces" => @namespaces, "handlers" => @registry.callables, "concurrency" => @concurrency,
        "lease_seconds" => @lease_seconds, "sdk" => SDK, "protocol_version" => PROTOCOL_VERSION,
        "hostname" => Socket.gethostname[0, 255], "pid" => Process.pid
      }
      body["worker_id"] = @configured_id if @configured_id
      @registration = @transport.request(:post, "/v1/worker/workers", body: body)
      unhandled = Array(@registration["unhandled_callables"])
      return if unhandled.empty?

      # The server hands this worker only its own callables; these steps wait for another worker.
      @logger.warn("worker #{worker_id} has no handler for #{unhandled.join(', ')} (templates in its namespaces): " \
                   "those steps wait for a worker that registers them")
    end

    # ---- claiming ------------------------------------------------------------------------

    def claim_loop
      backoff = RETRY_FIRST
      while @running
        free = @concurrency - @mutex.synchronize { @busy }
        if free <= 0
          @mutex.synchronize { @slot_freed.wait(@mutex, 1.0) if @busy >= @concurrency }
          next
        end
        begin
          claim(free)
          backoff = RETRY_FIRST
        rescue Error => e
          break unless @running

          reregister_if_unknown(e)
          @logger.error("claiming steps failed: #{e.message}; retrying in #{backoff}s")
          @stop_requested.wait(backoff)
          backoff = [backoff * 2, RETRY_MAX].min
        end
      end
    end

    def claim(free)
      max_steps = [free, @registration.fetch("max_steps_per_claim", 100)].min
      wait_ms = [(@claim_wait * 1000).to_i, @registration.fetch("max_claim_wait_ms", 30_000)].min
      answer = @transport.request(:post, "#{worker_path}/claims",
                                  body: { "max_steps" => max_steps, "wait_ms" => wait_ms },
                                  read_timeout: (wait_ms / 1000.0) + 15, abort: @claim_abort)
      answer.fetch("steps").each { |step| launch(step) }
    end

    def reregister_if_unknown(error)
      return unless error.is_a?(ApiError) && error.status == 404

      call_quietly("re-register") { register }
    end

    def launch(claim)
      @mutex.synchronize { @busy += 1 }
      spawn("tasker-step") do
        run_chain(claim)
      ensure
        @mutex.synchronize do
          @busy -= 1
          @slot_freed.broadcast
        end
      end
    end

    # Runs a claimed step, then each `next` step the server claimed for this worker with its result.
    def run_chain(claim)
      while claim
        running = Running.new(claim, CancellationSignal.new)
        @mutex.synchronize { @in_flight[claim["claim_token"]] = running }
        begin
          outcome = execute(running)
          claim = outcome && report(claim, outcome)
        ensure
          @mutex.synchronize { @in_flight.delete(running.claim["claim_token"]) }
        end
      end
    end

    def running_steps
      @mutex.synchronize { @in_flight.values }
    end

    def wait_idle(seconds)
      deadline = monotonic + seconds
      @mutex.synchronize do
        while @busy.positive?
          left = deadline - monotonic
          return false if left <= 0

          @slot_freed.wait(@mutex, left)
        end
      end
      true
    end

    # ---- running a step ----------------------------------------------------------------------

    # The attempt's outcome, or nil when it must not be reported (lost claim, or stopped by the
    # worker's shutdown: the deregistration hands the step back).
    def execute(running)
      claim = running.claim
      handler = @registry.resolve(claim["handler_callable"])
      return handler_missing(claim) unless handler

      context = StepContext.from_claim(claim, signal: running.signal, logger: @logger,
                                              checkpointer: ->(value) { save_checkpoint(running, value) })
      seconds = [[claim["timeout_seconds"].to_f, context.remaining_seconds].min, 0.001].max
      AttemptRun.new(handler, context, @executor, @logger).wait(seconds, hard_timeouts: @hard_timeouts)
    end

    # Saves a running step's checkpoint with its claim token (docs/worker-protocol.md#checkpoints).
    def save_checkpoint(running, value)
      body = { "claim_token" => running.claim["claim_token"], "checkpoint" => value }
      answer = @transport.request(:post, "#{worker_path}/checkpoint", body: body)
      running.signal.cancel(:cancelled) if answer["status"] == "cancelled"
    rescue ApiError => e
      raise CheckpointRefused, "checkpoint not saved: the attempt no longer holds its step (#{e.message})" if
        e.status == 409
      raise PermanentError.new("checkpoint not saved: #{e.message}", code: "invalid_checkpoint") if
        [400, 413].include?(e.status)

      raise
    end

    def handler_missing(claim)
      Outcome.failure(
        message: "no handler is registered for callable \"#{claim['handler_callable']}\" on worker #{worker_id}; " \
                 "register it (registered: #{@registry.callables.join(', ').then { |s| s.empty? ? 'none' : s }})",
        code: "handler_missing", retryable: false, kind: "handler_missing"
      )
    end

    # ---- reporting ---------------------------------------------------------------------------

    # Reports an outcome, trying again while the server is away or failing (for the longer of the
    # lease and 30 s; heartbeats go on meanwhile). Returns the next claimed step, if any.
    def report(claim, outcome)
      sent = outcome.within(@registration["max_result_bytes"])
      body = %({"claim_token":#{JSON.generate(claim['claim_token'])},"outcome":#{sent.json},"continue":#{@running}})
      answer = send_report(body, claim)
      return nil unless answer

      @mutex.synchronize { sent.success? ? @completed += 1 : @failed += 1 }
      task_finished(claim, answer) if TERMINAL_TASK_STATES.include?(answer["task_status"])
      answer["next"]
    end

    def send_report(body, claim)
      started = monotonic
      attempt = 0
      begin
        attempt += 1
        @transport.request(:post, "#{worker_path}/results", body: body)
      rescue ApiError, ConnectionError => e
        if e.is_a?(ApiError) && !e.transient?
          # 409: a duplicate, or the lease passed to another worker: nothing was stored, by design.
          @logger.warn("result of step #{claim['step_name']} (#{claim['step_uuid']}) not stored: #{e.message}")
          return nil
        end
        delay = [RETRY_FIRST * (2**(attempt - 1)), RETRY_MAX].min
        if monotonic + delay - started > [@lease_seconds, MIN_REPORT_WINDOW].max
          @logger.error("reporting step #{claim['step_uuid']} failed (#{e.message}); giving up, the step runs again " \
                        "after its lease")
          return nil
        end
        sleep(delay)
        retry
      end
    end

    def task_finished(claim, answer)
      return unless @on_task_finished

      event = TaskFinished.new(task_uuid: claim["task_uuid"], task_name: claim["task_name"],
                               namespace: claim["namespace"], correlation_id: claim["correlation_id"],
                               status: answer["task_status"], step_name: claim["step_name"])
      @executor.wrap { @on_task_finished.call(event) }
    rescue StandardError => e
      @logger.error("on_task_finished failed for task #{claim['task_uuid']}: #{e.class}: #{e.message}")
    end

    # ---- heartbeats --------------------------------------------------------------------------

    def heartbeat_loop
      interval = @registration.fetch("heartbeat_interval_ms", 10_000) / 1000.0
      beat until @heartbeat_stop.wait(interval)
    end

    # Extends the leases of the running steps; stops those the server says are cancelled or lost.
    def beat
      tokens = @mutex.synchronize { @in_flight.keys }
      tokens.each_slice(1000).to_a.then { |slices| slices.empty? ? [[]] : slices }.each do |slice|
        answer = @transport.request(:post, "#{worker_path}/heartbeat", body: { "claim_tokens" => slice })
        answer.fetch("claims").each do |c|
          next if c["status"] == "held"

          running = @mutex.synchronize { @in_flight[c["claim_token"]] }
          next unless running&.signal&.cancel(c["status"].to_sym)

          @logger.info("step #{running.claim['step_name']} (#{running.claim['step_uuid']}) stopped: " \
                       "the server says #{c['status']}")
        end
      end
    rescue Error => e
      @logger.warn("heartbeat failed: #{e.message}")
    end

    def monotonic
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end
