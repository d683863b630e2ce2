# frozen_string_literal: true

# The reference data (products, customers, coupons, embargoes, order history) is loaded by the
# migration db/migrate/20240101000002_seed_reference_data.rb, so every migrated database has it.
