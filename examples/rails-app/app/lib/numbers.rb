# frozen_string_literal: true

# Number helpers that compute exactly what the other apps compute, so every app answers with the
# same figures: JavaScript's Math.round (ties toward +infinity) and money in integer cents.
module Numbers
  module_function

  # Math.round: the nearest integer, ties toward +infinity (Float#round takes ties away from 0).
  def round_half_up(value)
    floor = value.floor
    value - floor >= 0.5 ? floor + 1 : floor
  end

  # `value` rounded to `places` decimals the way `Math.round(v * 10^p) / 10^p` does.
  def round_to(value, places)
    factor = 10**places
    round_half_up(value * factor) / factor.to_f
  end

  # Cents from a price (a decimal column, a JSON number or a numeric string).
  def to_cents(amount)
    value = amount.is_a?(String) ? Float(amount) : amount
    raise TypeError, "not an amount of money: #{amount.inspect}" unless value.is_a?(Numeric) && value.to_f.finite?

    round_half_up(value.to_f * 100)
  end

  def from_cents(cents)
    round_half_up(cents) / 100.0
  end

  # `percent` of `cents`, rounded half-up to the cent.
  def percent_of(cents, percent)
    round_half_up(cents * percent / 100.0)
  end

  # 1234.5 -> "1,234.50" (en-US, two decimals).
  def money(value)
    whole, fraction = format("%.2f", value.abs).split(".")
    "#{'-' if value.negative?}#{whole.reverse.scan(/\d{1,3}/).join(',').reverse}.#{fraction}"
  end

  # A whole number as an Integer (decimal columns read as BigDecimal; JSON has one number type).
  def plain(value)
    float = value.to_f
    float == float.round && float.abs < 2**53 ? float.round : float
  end

  def iso(time)
    time&.utc&.iso8601(3)
  end
end
