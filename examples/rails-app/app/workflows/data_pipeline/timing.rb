# frozen_string_literal: true

module DataPipeline
  # Wall-clock bounds of a handler's work, returned in its result so anyone can see that the
  # parallel branches really overlapped. `simulated_work_ms` (template initialization) stands in
  # for the heavier analysis a real dataset needs; 0 turns it off.
  module Timing
    module_function

    def timed(ctx)
      started = Time.current
      result = yield
      floor = ctx.initialization["simulated_work_ms"]
      remaining = (floor.is_a?(Numeric) ? floor / 1000.0 : 0) - (Time.current - started)
      ctx.sleep(remaining) if remaining.positive?
      finished = Time.current
      result.merge("started_at" => Numbers.iso(started), "finished_at" => Numbers.iso(finished),
                   "duration_ms" => ((finished - started) * 1000).round)
    end
  end
end
