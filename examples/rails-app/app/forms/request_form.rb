# frozen_string_literal: true

# A request body checked with ActiveModel validations, over strong parameters: `PERMITTED` is the
# body's shape (`params.permit`), and a key outside it is an error (`unrecognized key`) rather
# than silently dropped. Errors come out as `issues: [{path: "items.0.quantity", message}]`,
# the one error shape of every app (400 `{error: "invalid request body", issues}`).
class RequestForm
  include ActiveModel::Validations

  EMAIL = URI::MailTo::EMAIL_REGEXP

  attr_reader :params

  validate :known_keys_only

  # `body` is the request's JSON body (ActionController::Parameters, not yet permitted).
  def initialize(body)
    @raw = body
    @unknown = []
    @params = begin
      body.permit(*self.class::PERMITTED)
    rescue ActionController::UnpermittedParameters => e
      # The body is refused (see known_keys_only); the validations still name every other problem.
      @unknown = e.params
      nil
    end
  end

  def issues
    errors.map { |e| { path: e.attribute == :base ? "" : e.attribute.to_s, message: e.message } }
  end

  private

  # The value as sent (before permit), for type checks: permit drops what does not fit the shape.
  def raw(*path)
    path.reduce(@raw) { |node, key| node.respond_to?(:[]) && !node.is_a?(String) ? node[key] : nil }
  end

  def known_keys_only
    return unless @unknown.any?

    errors.add(:base, "unrecognized key#{'s' if @unknown.size > 1}: #{@unknown.map { |k| %("#{k}") }.join(', ')}")
  end

  def issue(path, message)
    errors.add(path.to_s.to_sym, message)
    nil
  end

  # A trimmed string within `min`..`max` characters matching `pattern`; nil (with an issue) otherwise.
  def string_at(path, value, required: true, min: 1, max: nil, pattern: nil, message: nil, upcase: false)
    return required ? issue(path, "is required") : nil if value.nil?
    return issue(path, "must be a string") unless value.is_a?(String)

    text = value.strip
    text = text.upcase if upcase
    return issue(path, message || "must not be empty") if text.length < min
    return issue(path, "must be at most #{max} characters") if max && text.length > max
    return issue(path, message) if pattern && !pattern.match?(text)

    text
  end

  def integer_at(path, value, min:, max:, message: nil)
    return issue(path, "is required") if value.nil?
    return issue(path, message || "must be a whole number") unless value.is_a?(Integer)
    return issue(path, "must be at least #{min}") if value < min
    return issue(path, "must be at most #{max}") if value > max

    value
  end

  def object_at(path, value)
    return issue(path, "is required") if value.nil?
    return issue(path, "must be an object") unless value.is_a?(ActionController::Parameters)

    value
  end

  def array_at(path, value, min:, max:, too_few:, too_many:)
    return issue(path, "is required") if value.nil?
    return issue(path, "must be a list") unless value.is_a?(Array)
    return issue(path, too_few) if value.size < min
    return issue(path, too_many) if value.size > max

    value
  end

  # Order lines (`items`): 1..100 of {sku, quantity 1..1000}, each sku once.
  def order_lines(path = :items, duplicates: true)
    list = array_at(path, raw(path), min: 1, max: 100, too_few: "an order needs at least one item",
                                     too_many: "at most 100 items per order")
    return [] unless list

    seen = {}
    list.each_with_index.map do |item, i|
      unless item.is_a?(ActionController::Parameters)
        next issue("#{path}.#{i}", "must be an object with sku and quantity")
      end

      sku = string_at("#{path}.#{i}.sku", item[:sku], max: 64, message: "sku is required")
      quantity = integer_at("#{path}.#{i}.quantity", item[:quantity], min: 1, max: 1000,
                                                                      message: "quantity must be a whole number")
      if duplicates && sku && seen[sku]
        issue("#{path}.#{i}.sku", %(sku "#{sku}" appears twice; put the total quantity on one line))
      end
      seen[sku] = true if sku
      { "sku" => sku, "quantity" => quantity }
    end
  end
end
