# frozen_string_literal: true

# The fixed seed data of the spec (the same rows as examples/hono-app), so tests, docs and curl
# examples can rely on it. ON CONFLICT DO NOTHING: re-applying never overwrites stock that orders
# have already moved.
class SeedReferenceData < ActiveRecord::Migration[6.1]
  def up
    execute <<~SQL
      INSERT INTO products (sku, name, price, stock, weight_kg, restricted) VALUES
        ('WIDGET-001', 'Widget', 29.99, 1000, 0.5, false),
        ('GADGET-002', 'Gadget', 49.99, 500, 1.2, false),
        ('GIZMO-003', 'Gizmo', 129.00, 200, 2.0, false),
        ('SCARCE-004', 'Scarce Part', 15.00, 3, 0.1, false),
        ('RESTRICTED-005', 'Export-Controlled Module', 899.00, 50, 1.0, true)
      ON CONFLICT (sku) DO NOTHING;

      INSERT INTO customers (id, email, name, tier) VALUES
        ('cust-001', 'ada@example.com', 'Ada Lovelace', 'gold'),
        ('cust-002', 'grace@example.com', 'Grace Hopper', 'standard'),
        ('cust-003', 'linus@example.com', 'Linus Torvalds', 'standard'),
        ('cust-004-flaky', 'barbara@example.com', 'Barbara Liskov', 'standard')
      ON CONFLICT (id) DO NOTHING;

      INSERT INTO coupons (code, percent_off, active) VALUES ('SAVE10', 10.00, true)
      ON CONFLICT (code) DO NOTHING;

      INSERT INTO embargoed_countries (country_code, reason) VALUES
        ('KP', 'comprehensive embargo (North Korea)'),
        ('IR', 'comprehensive embargo (Iran)')
      ON CONFLICT (country_code) DO NOTHING;

      -- Order history for the seeded customers (cust-003 has none), priced by the app's rule:
      -- subtotal + 8.75% tax + shipping (free at >= 75.00, else 9.99).
      INSERT INTO orders (customer_email, items, subtotal, tax, shipping, total, status, created_at, updated_at) VALUES
        ('ada@example.com', '[{"sku":"WIDGET-001","quantity":2}]', 59.98, 5.25, 9.99, 75.22, 'completed', '2024-03-01T10:00:00Z', '2024-03-01T10:00:05Z'),
        ('ada@example.com', '[{"sku":"GIZMO-003","quantity":1}]', 129.00, 11.29, 0.00, 140.29, 'completed', '2024-05-20T14:30:00Z', '2024-05-20T14:30:05Z'),
        ('grace@example.com', '[{"sku":"GADGET-002","quantity":1}]', 49.99, 4.37, 9.99, 64.35, 'completed', '2024-04-11T09:15:00Z', '2024-04-11T09:15:05Z'),
        ('barbara@example.com', '[{"sku":"WIDGET-001","quantity":1}]', 29.99, 2.62, 9.99, 42.60, 'completed', '2024-06-02T16:45:00Z', '2024-06-02T16:45:05Z');
    SQL
  end

  def down
    execute "DELETE FROM orders WHERE created_at < '2024-07-01'"
    %w[embargoed_countries coupons customers products].each { |table| execute("DELETE FROM #{table}") }
  end
end
