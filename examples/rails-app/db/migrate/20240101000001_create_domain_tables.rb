# frozen_string_literal: true

# The app's domain tables (the same as examples/hono-app's schema "app"). Each side effect of a
# workflow is unique per business key (payment per order, invoice per order, quote per sales task,
# audit entry and email per dedupe key), so a step that runs twice cannot repeat it.
class CreateDomainTables < ActiveRecord::Migration[6.1]
  def change
    create_rows
    create_catalog
    create_ecommerce_effects
    create_data_pipeline_tables
    create_team_scaling_tables
  end

  private

  def task_row_columns(table)
    table.string :status, null: false, default: "pending"
    table.uuid :task_uuid
    table.text :error
    table.timestamps default: -> { "now()" }
  end

  def create_rows
    create_table :orders do |t|
      t.string :customer_email, null: false
      t.jsonb :items, null: false
      t.decimal :subtotal, precision: 10, scale: 2
      t.decimal :tax, precision: 10, scale: 2
      t.decimal :shipping, precision: 10, scale: 2
      t.decimal :total, precision: 10, scale: 2
      task_row_columns(t)
      t.index :task_uuid
      t.index :customer_email
    end
    create_table :analytics_jobs do |t|
      t.string :source, null: false
      t.string :dataset_url
      t.jsonb :result
      task_row_columns(t)
      t.index :task_uuid
    end
    create_table :service_requests do |t|
      t.string :user_id, null: false
      t.string :request_type, null: false
      t.jsonb :result
      task_row_columns(t)
      t.index :task_uuid
    end
    create_table :compliance_checks do |t|
      t.string :order_ref, null: false
      t.string :namespace, null: false, default: "default"
      t.jsonb :task_uuids, null: false, default: {}
      t.string :correlation_id
      t.jsonb :items, null: false, default: []
      t.jsonb :destination
      t.string :coupon_code
      t.string :customer_id
      t.jsonb :result
      task_row_columns(t)
      t.index :task_uuid
      t.index :correlation_id
    end
  end

  def create_catalog
    create_table :products, id: false do |t|
      t.string :sku, primary_key: true
      t.string :name, null: false
      t.decimal :price, precision: 10, scale: 2, null: false
      t.integer :stock, null: false
      t.decimal :weight_kg, precision: 10, scale: 3, null: false
      t.boolean :restricted, null: false, default: false
      t.datetime :updated_at, null: false, default: -> { "now()" }
      # Stock can never go negative, whatever races happen above.
      t.check_constraint "stock >= 0", name: "products_stock_non_negative"
    end
    create_table :customers, id: false do |t|
      t.string :id, primary_key: true
      t.string :email, null: false, index: { unique: true }
      t.string :name, null: false
      t.string :tier, null: false, default: "standard"
      t.datetime :created_at, null: false, default: -> { "now()" }
    end
    create_table :coupons, id: false do |t|
      t.string :code, primary_key: true
      t.decimal :percent_off, precision: 5, scale: 2, null: false
      t.boolean :active, null: false, default: true
    end
    create_table :embargoed_countries, id: false do |t|
      t.string :country_code, primary_key: true
      t.string :reason, null: false
    end
  end

  def create_ecommerce_effects
    create_table :payments do |t|
      t.string :payment_id, null: false, index: { unique: true }
      t.references :order, null: false, foreign_key: true, index: { unique: true }
      t.decimal :amount, precision: 10, scale: 2, null: false
      t.string :currency, null: false, default: "USD"
      t.string :status, null: false
      t.string :payment_method, null: false
      t.timestamps default: -> { "now()" }
    end
    create_table :stock_movements do |t|
      t.references :order, null: false, foreign_key: true, index: false
      t.string :sku, null: false
      t.integer :quantity_delta, null: false
      t.string :reason, null: false
      t.datetime :created_at, null: false, default: -> { "now()" }
      t.index %i[order_id sku reason], unique: true, name: "stock_movements_order_sku_reason"
    end
    add_foreign_key :stock_movements, :products, column: :sku, primary_key: :sku
    create_table :invoices do |t|
      t.string :invoice_number, null: false, index: { unique: true }
      t.references :order, null: false, foreign_key: true, index: { unique: true }
      t.string :customer_email, null: false
      t.jsonb :lines, null: false
      t.decimal :subtotal, precision: 10, scale: 2, null: false
      t.decimal :tax, precision: 10, scale: 2, null: false
      t.decimal :shipping, precision: 10, scale: 2, null: false
      t.decimal :total, precision: 10, scale: 2, null: false
      t.datetime :issued_at, null: false, default: -> { "now()" }
    end
    create_table :email_outbox do |t|
      t.string :message_id, null: false, index: { unique: true }
      # What the message is about, e.g. order:42:confirmation; written once per key.
      t.string :dedupe_key, null: false, index: { unique: true }
      t.jsonb :recipients, null: false
      t.string :subject, null: false
      t.text :body, null: false
      t.string :status, null: false, default: "queued", index: true
      t.integer :attempts, null: false, default: 0
      t.text :last_error
      t.datetime :created_at, null: false, default: -> { "now()" }
      t.datetime :sent_at
    end
  end

  def create_data_pipeline_tables
    create_table :analytics_datasets, id: false do |t|
      t.bigint :job_id, null: false, primary_key: true
      t.string :origin, null: false
      t.jsonb :columns, null: false
      t.jsonb :rows, null: false
      t.integer :row_count, null: false
      t.string :checksum, null: false
      t.datetime :loaded_at, null: false, default: -> { "now()" }
    end
    add_foreign_key :analytics_datasets, :analytics_jobs, column: :job_id
    create_table :analytics_reports do |t|
      t.references :job, null: false, foreign_key: { to_table: :analytics_jobs }, index: { unique: true }
      t.string :title, null: false
      t.jsonb :report, null: false
      t.text :markdown, null: false
      t.timestamps default: -> { "now()" }
    end
    create_table :report_archive do |t|
      t.references :job, null: false, foreign_key: { to_table: :analytics_jobs }, index: { unique: true }
      t.jsonb :report, null: false
      t.text :markdown, null: false
      t.string :checksum, null: false
      t.datetime :archived_at, null: false, default: -> { "now()" }
    end
  end

  def create_team_scaling_tables
    create_table :quotes do |t|
      t.string :quote_number, null: false, index: { unique: true }
      t.references :compliance_check, foreign_key: true
      t.string :order_ref, null: false
      # The sales task that produced it: one quote per task, so retries cannot add a second.
      t.uuid :task_uuid, null: false, index: { unique: true }
      t.jsonb :lines, null: false
      t.decimal :subtotal, precision: 10, scale: 2, null: false
      t.decimal :discount, precision: 10, scale: 2, null: false
      t.decimal :shipping, precision: 10, scale: 2, null: false
      t.decimal :total, precision: 10, scale: 2, null: false
      t.string :currency, null: false, default: "USD"
      t.jsonb :details
      t.datetime :expires_at, null: false
      t.datetime :created_at, null: false, default: -> { "now()" }
    end
    create_table :audit_logs do |t|
      # e.g. compliance_check:7:review; an audit entry is written once per key.
      t.string :dedupe_key, null: false, index: { unique: true }
      t.string :entity_type, null: false
      t.string :entity_id, null: false
      t.string :action, null: false
      t.string :actor, null: false
      t.uuid :task_uuid
      t.string :step_name
      t.jsonb :details, null: false, default: {}
      t.datetime :created_at, null: false, default: -> { "now()" }
      t.index %i[entity_type entity_id]
    end
  end
end
